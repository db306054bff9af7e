import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBuildspec } from '../../../../lib/actions/codebuild/buildspec';
import { runLocalBuild } from '../../../../lib/actions/codebuild/local-build';
import { MAX_REPORT_FILE_BYTES, reportsSummary } from '../../../../lib/actions/codebuild/test-reports';

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

/** Runs a build in a source directory that holds `files`, with `buildCommand` as its only command. */
async function buildWithReports(files: Record<string, string>, reports: string[], buildCommand = 'true') {
  const sourceDirectory = await mkdtemp(path.join(tmpdir(), 'sluice-reports-'));
  temporary.push(sourceDirectory);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(sourceDirectory, name)), { recursive: true });
    await writeFile(path.join(sourceDirectory, name), content);
  }
  const chunks: string[] = [];
  const result = await runLocalBuild({
    buildspec: parseBuildspec(['version: 0.2', 'phases:', `  build: { commands: ['${buildCommand}'] }`, 'reports:', ...reports].join('\n'), 'buildspec.yml'),
    sourceDirectory,
    secondarySourceDirectories: {},
    environment: {},
    timeoutSeconds: 20,
    onLog: (text) => chunks.push(text),
  });
  return { result, log: chunks.join('') };
}

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="math">
    <testcase classname="math" name="adds"/>
    <testcase classname="math" name="divides"><failure message="expected 2, got 3">at divide (math.js:3)</failure></testcase>
    <testcase classname="math" name="rounds"><skipped/></testcase>
    <testcase classname="math" name="parses"><error message="TypeError: x is undefined"/></testcase>
  </testsuite>
</testsuites>`;

describe('build reports', () => {
  it('reads JUnit XML after a failed build, and logs the failed cases before the counts', async () => {
    const { result, log } = await buildWithReports(
      { 'reports/junit.xml': JUNIT, 'reports/notes.txt': 'not a report' },
      ['  unit-tests:', '    files: ["**/*.xml"]', '    base-directory: reports'],
      'false',
    );
    expect(result.status).toBe('FAILED');
    expect(result.reports).toEqual([
      {
        group: 'unit-tests',
        kind: 'test',
        total: 4,
        passed: 1,
        failed: 2,
        skipped: 1,
        failures: [
          { name: 'math.divides', message: 'expected 2, got 3' },
          { name: 'math.parses', message: 'TypeError: x is undefined' },
        ],
        problems: [],
      },
    ]);
    const failedAt = log.indexOf('FAILED math.divides: expected 2, got 3');
    expect(failedAt).toBeGreaterThan(-1);
    expect(log.indexOf('Report unit-tests: 4 total, 1 passed, 2 failed, 1 skipped')).toBeGreaterThan(failedAt);
    expect(reportsSummary(result.reports)).toBe(
      [
        'FAILED unit-tests: math.divides: expected 2, got 3',
        'FAILED unit-tests: math.parses: TypeError: x is undefined',
        'Report unit-tests: 4 total, 1 passed, 2 failed, 1 skipped',
      ].join('\n'),
    );
  });

  it('reads each documented test format', async () => {
    const files = {
      'nunit2.xml': `<test-results><test-suite><results>
        <test-case name="A.Passes" executed="True" result="Success" success="True"/>
        <test-case name="A.Fails" executed="True" result="Failure" success="False"><failure><message>nope</message></failure></test-case>
        <test-case name="A.Ignored" executed="False" result="Ignored"/>
      </results></test-suite></test-results>`,
      'nunit3.xml': `<test-run><test-suite>
        <test-case fullname="B.Passes" result="Passed"/>
        <test-case fullname="B.Fails" result="Failed"><failure><message>bad</message></failure></test-case>
      </test-suite></test-run>`,
      'testng.xml': `<testng-results><suite><test><class name="C">
        <test-method name="setUp" status="PASS" is-config="true"/>
        <test-method name="works" status="PASS"/>
        <test-method name="breaks" status="FAIL"><exception class="AssertionError"><message>broken</message></exception></test-method>
        <test-method name="later" status="SKIP"/>
      </class></test></suite></testng-results>`,
      'results.trx': `<TestRun><Results>
        <UnitTestResult testName="D.Works" outcome="Passed"/>
        <UnitTestResult testName="D.Breaks" outcome="Failed"><Output><ErrorInfo><Message>trx says no</Message></ErrorInfo></Output></UnitTestResult>
        <UnitTestResult testName="D.Skipped" outcome="NotExecuted"/>
      </Results></TestRun>`,
      'cucumber.json': JSON.stringify([
        {
          name: 'Login',
          elements: [
            { type: 'background', name: 'setup', steps: [{ result: { status: 'passed' } }] },
            { type: 'scenario', name: 'good password', steps: [{ result: { status: 'passed' } }] },
            {
              type: 'scenario',
              name: 'bad password',
              steps: [{ result: { status: 'failed', error_message: 'denied\nstack' } }, { result: { status: 'skipped' } }],
            },
            { type: 'scenario', name: 'pending', steps: [{ result: { status: 'undefined' } }] },
          ],
        },
      ]),
    };
    const group = (name: string, file: string, format: string) => [`  ${name}:`, `    files: [${file}]`, `    file-format: ${format}`];
    const { result } = await buildWithReports(files, [
      ...group('nunit2', 'nunit2.xml', 'NUNITXML'),
      ...group('nunit3', 'nunit3.xml', 'NUNIT3XML'),
      ...group('testng', 'testng.xml', 'TESTNGXML'),
      ...group('trx', 'results.trx', 'VISUALSTUDIOTRX'),
      ...group('cucumber', 'cucumber.json', 'CUCUMBERJSON'),
    ]);
    const counts = result.reports.map((report) =>
      report.kind === 'test' ? [report.group, report.total, report.passed, report.failed, report.skipped, report.failures] : [],
    );
    expect(counts).toEqual([
      ['nunit2', 3, 1, 1, 1, [{ name: 'A.Fails', message: 'nope' }]],
      ['nunit3', 2, 1, 1, 0, [{ name: 'B.Fails', message: 'bad' }]],
      ['testng', 3, 1, 1, 1, [{ name: 'breaks', message: 'broken' }]],
      ['trx', 3, 1, 1, 1, [{ name: 'D.Breaks', message: 'trx says no' }]],
      ['cucumber', 3, 1, 1, 1, [{ name: 'Login bad password', message: 'denied\nstack' }]],
    ]);
  });

  it('reads line coverage from each documented coverage format', async () => {
    const files = {
      'cobertura.xml': '<coverage line-rate="0.5" lines-covered="5" lines-valid="10"><packages/></coverage>',
      'jacoco.xml':
        '<report name="r"><package name="p"><counter type="LINE" missed="9" covered="1"/></package><counter type="LINE" missed="3" covered="1"/></report>',
      'clover.xml': '<coverage><project><metrics statements="8" coveredstatements="6"/></project></coverage>',
      'simplecov.json': JSON.stringify({ metrics: { covered_percent: 75, covered_lines: 3, total_lines: 4 } }),
    };
    const group = (name: string, file: string, format: string) => [`  ${name}:`, `    files: [${file}]`, `    file-format: ${format}`];
    const { result, log } = await buildWithReports(files, [
      ...group('cobertura', 'cobertura.xml', 'COBERTURAXML'),
      ...group('jacoco', 'jacoco.xml', 'JACOCOXML'),
      ...group('clover', 'clover.xml', 'CLOVERXML'),
      ...group('simplecov', 'simplecov.json', 'SIMPLECOV'),
    ]);
    expect(result.reports.map((report) => (report.kind === 'coverage' ? [report.group, report.linesCovered, report.linesTotal] : []))).toEqual([
      ['cobertura', 5, 10],
      ['jacoco', 1, 4],
      ['clover', 6, 8],
      ['simplecov', 3, 4],
    ]);
    expect(log).toContain('Report cobertura: line coverage 50.00% (5 of 10 lines)');
  });

  it('logs a malformed report file and reads the others, and says when no file matches', async () => {
    const { result, log } = await buildWithReports({ 'a.xml': JUNIT, 'b.xml': '<testsuite><testcase name="x">' }, [
      '  unit:',
      '    files: ["*.xml"]',
      '  missing:',
      '    files: ["out/*.xml"]',
    ]);
    expect(result.status).toBe('SUCCEEDED');
    const [unit, missing] = result.reports;
    expect(unit).toMatchObject({ total: 4, failed: 2, problems: [expect.stringMatching(/^b\.xml is not a valid JUNITXML report: /)] });
    expect(log).toMatch(/Report group unit: b\.xml is not a valid JUNITXML report: .+/);
    expect(log).toContain('Report unit: 4 total, 1 passed, 2 failed, 1 skipped; 1 file not read');
    expect(missing).toMatchObject({ total: 0, problems: ['no report files match out/*.xml in .'] });
  });

  it('leaves a report file larger than it reads unparsed, saying why, and reads the others', async () => {
    const { result, log } = await buildWithReports(
      { 'a.xml': JUNIT },
      ['  unit:', '    files: ["*.xml"]'],
      `head -c ${MAX_REPORT_FILE_BYTES + 1} /dev/zero > big.xml`,
    );
    const [unit] = result.reports;
    expect(unit).toMatchObject({
      total: 4,
      problems: [expect.stringMatching(/^big\.xml is not a valid JUNITXML report: it is \d+ bytes, more than the \d+ Sluice reads/)],
    });
    expect(log).toContain('1 file not read');
  });

  it('refuses a report group with an unknown file-format or key', () => {
    expect(() =>
      parseBuildspec('version: 0.2\nphases: { build: { commands: [true] } }\nreports: { unit: { files: [a.xml], file-format: XUNIT } }', 'buildspec.yml'),
    ).toThrow(/reports\.unit\.file-format: file-format must be one of JUNITXML, CUCUMBERJSON/);
    expect(() => parseBuildspec('version: 0.2\nphases: { build: { commands: [true] } }\nreports: { unit: { file: [a.xml] } }', 'buildspec.yml')).toThrow(
      /Unknown key "file"/,
    );
  });
});
