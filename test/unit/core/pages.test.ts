import { BadInputError, InvalidNextTokenError } from '../../../lib/core/errors';
import { pageOf } from '../../../lib/core/pages';

const LETTERS = ['a', 'b', 'c', 'd', 'e'];
const SIZES = { max: 3, default: 2 };
const page = (request: { maxResults?: number; nextToken?: string }, items = LETTERS) => pageOf(items, request, (item) => item, SIZES);

describe('pageOf', () => {
  it('walks a listing page by page with the token each page gives, and the last page has none', () => {
    const first = page({});
    const second = page({ nextToken: first.nextToken! });
    const last = page({ nextToken: second.nextToken! });

    expect([first.items, second.items, last.items]).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(last.nextToken).toBeUndefined();
  });

  it('gives maxResults items at most, and no token when nothing is left', () => {
    expect(page({ maxResults: 3 })).toMatchObject({ items: ['a', 'b', 'c'], nextToken: expect.any(String) });
    expect(page({ maxResults: 3 }, ['a', 'b', 'c'])).toEqual({ items: ['a', 'b', 'c'] });
  });

  it('goes on after the item the token names, though items came before it since', () => {
    const { nextToken } = page({});

    expect(page({ nextToken: nextToken! }, ['new', ...LETTERS]).items).toEqual(['c', 'd']);
  });

  it.each([['not-a-token'], [Buffer.from('{"after":"z"}').toString('base64url')], [Buffer.from('[1]').toString('base64url')]])(
    'refuses a token the listing did not give, or whose item is gone: %s',
    (nextToken) => {
      expect(() => page({ nextToken })).toThrow(InvalidNextTokenError);
    },
  );

  it.each([[0], [4], [1.5]])('refuses maxResults %p outside 1 to the most a page holds', (maxResults) => {
    expect(() => page({ maxResults })).toThrow(BadInputError);
    expect(() => page({ maxResults })).toThrow('maxResults must be a whole number from 1 to 3');
  });
});
