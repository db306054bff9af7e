import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import picomatch from 'picomatch';
import { entriesUnder, isOutside } from './artifact-staging';
import type { BuildLog } from './build-log';
import { COVERAGE_REPORT_FORMATS, type ReportGroup } from './buildspec';

export interface FailedTestCase {
  name: string;
  message: string;
}

export interface TestReport {
  group: string;
  kind: 'test';
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  failures: FailedTestCase[];
  /** Files that could not be read as the group's format, each with why. */
  problems: string[];
}

export interface CoverageReport {
  group: string;
  kind: 'coverage';
  linesCovered: number;
  linesTotal: number;
  problems: string[];
}

export type BuildReport = TestReport | CoverageReport;

type CaseStatus = 'passed' | 'failed' | 'skipped';
interface TestCase {
  name: string;
  status: CaseStatus;
  message?: string;
}

/**
 * Reads the buildspec's report groups from the source directory once the phases have ended, as
 * CodeBuild does whether or not the build succeeded, and writes each result to the build log with
 * its failed cases first. A file that cannot be read as its group's format is a line in the log and
 * a problem of its report; it fails neither the build nor the other files.
 */
export async function readReports(groups: Record<string, ReportGroup>, sourceDirectory: string, log: BuildLog): Promise<BuildReport[]> {
  const reports: BuildReport[] = [];
  for (const [group, spec] of Object.entries(groups)) {
    const format = spec['file-format'] ?? 'JUNITXML';
    log.container(`Preparing to copy ${isCoverage(format) ? 'CODE_COVERAGE' : 'TEST'} report group: ${group}`);
    const files = await reportFiles(spec, sourceDirectory);
    if (typeof files === 'string') {
      log.container(`Report group ${group}: ${files}`);
      reports.push(emptyReport(group, format, [files]));
      continue;
    }
    const report = emptyReport(group, format, []);
    for (const file of files) {
      try {
        const { size } = await stat(file.location);
        if (size > MAX_REPORT_FILE_BYTES) throw new Error(`it is ${size} bytes, more than the ${MAX_REPORT_FILE_BYTES} Sluice reads in a report file`);
        const text = await readFile(file.location, 'utf8');
        if (report.kind === 'coverage') addCoverage(report, readCoverage(format, text));
        else addCases(report, readTestCases(format, text));
      } catch (error) {
        const problem = `${file.name} is not a valid ${format} report: ${error instanceof Error ? error.message : String(error)}`;
        log.container(`Report group ${group}: ${problem}`);
        report.problems.push(problem);
      }
    }
    for (const line of reportLines(report)) log.container(line);
    reports.push(report);
  }
  return reports;
}

/** The most failed cases that the action's summary names; the build log names them all. */
const SUMMARY_FAILURES = 10;
/** The largest report file Sluice parses: a build writes what it likes, and a report is read whole into memory. */
export const MAX_REPORT_FILE_BYTES = 50 * 1024 * 1024;

/** The failed test cases first, then one line per report, for the action's summary; undefined with no reports. */
export function reportsSummary(reports: readonly BuildReport[]): string | undefined {
  if (reports.length === 0) return undefined;
  const tests = reports.filter((report): report is TestReport => report.kind === 'test');
  const failures = tests.flatMap((report) =>
    report.failures.map((failure) => `FAILED ${report.group}: ${failure.name}${failure.message ? `: ${firstLine(failure.message)}` : ''}`),
  );
  const more = failures.length > SUMMARY_FAILURES ? [`and ${failures.length - SUMMARY_FAILURES} more failed cases; the build log names them all`] : [];
  return [...failures.slice(0, SUMMARY_FAILURES), ...more, ...reports.map(reportHeadline)].join('\n');
}

function reportLines(report: BuildReport): string[] {
  const failures =
    report.kind === 'test' ? report.failures.map((failure) => `FAILED ${failure.name}${failure.message ? `: ${firstLine(failure.message)}` : ''}`) : [];
  return [...failures, reportHeadline(report)];
}

function reportHeadline(report: BuildReport): string {
  const problems = report.problems.length === 0 ? '' : `; ${report.problems.length} file${report.problems.length === 1 ? '' : 's'} not read`;
  if (report.kind === 'coverage') {
    const percent = report.linesTotal === 0 ? 0 : (100 * report.linesCovered) / report.linesTotal;
    return `Report ${report.group}: line coverage ${percent.toFixed(2)}% (${report.linesCovered} of ${report.linesTotal} lines)${problems}`;
  }
  return `Report ${report.group}: ${report.total} total, ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped${problems}`;
}

const firstLine = (text: string) => text.trim().split('\n')[0]!.trim();

const isCoverage = (format: string) => (COVERAGE_REPORT_FORMATS as readonly string[]).includes(format);

function emptyReport(group: string, format: string, problems: string[]): BuildReport {
  if (isCoverage(format)) return { group, kind: 'coverage', linesCovered: 0, linesTotal: 0, problems };
  return { group, kind: 'test', total: 0, passed: 0, failed: 0, skipped: 0, failures: [], problems };
}

function addCases(report: TestReport, cases: TestCase[]): void {
  for (const testCase of cases) {
    report.total++;
    report[testCase.status]++;
    if (testCase.status === 'failed') report.failures.push({ name: testCase.name, message: testCase.message ?? '' });
  }
}

function addCoverage(report: CoverageReport, lines: { covered: number; total: number }): void {
  report.linesCovered += lines.covered;
  report.linesTotal += lines.total;
}

/** The group's files, in name order; or why there are none. */
async function reportFiles(spec: ReportGroup, sourceDirectory: string): Promise<{ name: string; location: string }[] | string> {
  const baseDirectory = spec['base-directory'] ?? '.';
  const base = path.resolve(sourceDirectory, baseDirectory);
  if (isOutside(sourceDirectory, base)) return `base-directory ${baseDirectory} is outside CODEBUILD_SRC_DIR`;
  const entries = await entriesUnder(base);
  if (entries === undefined) return `no base directory ${baseDirectory}`;
  const matches = picomatch(
    spec.files.map((pattern) => pattern.replace(/^\.\//, '')),
    { dot: true },
  );
  // Links are not followed: a report is a file the build wrote, not one of the machine's.
  const names = [...entries].filter(([name, kind]) => kind === 'file' && matches(name)).map(([name]) => name);
  if (names.length === 0) return `no report files match ${spec.files.join(', ')} in ${baseDirectory}`;
  return names.sort().map((name) => ({ name, location: path.join(base, ...name.split('/')) }));
}

/** An XML element as the parser gives it: attributes under "@", children by name, always in lists. */
type XmlElement = { [name: string]: XmlElement[] | string | undefined };

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  textNodeName: '#text',
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

function parseXml(text: string): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`${valid.err.msg} (line ${valid.err.line})`);
  return xmlParser.parse(text) as XmlElement;
}

/** The children of `element` with `name`; one that holds only text (or nothing) comes as that string. */
function children(element: XmlElement | undefined, name: string): XmlElement[] {
  const found = element?.[name];
  return Array.isArray(found) ? found.map((child) => (typeof child === 'object' ? child : { '#text': String(child) })) : [];
}

/** Every element named `name` at any depth below `element`. */
function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const [key, value] of Object.entries(element)) {
    if (!Array.isArray(value)) continue;
    for (const child of value) {
      if (typeof child !== 'object') continue;
      if (key === name) found.push(child);
      found.push(...descendants(child, name));
    }
  }
  return found;
}

const attribute = (element: XmlElement | undefined, name: string): string | undefined => {
  const value = element?.[`@${name}`];
  return typeof value === 'string' ? value : undefined;
};

const text = (element: XmlElement | undefined): string => {
  const value = element?.['#text'];
  return typeof value === 'string' ? value : '';
};

/** The text of the first element along `names` below `element`. */
function textAt(element: XmlElement | undefined, ...names: string[]): string | undefined {
  let at = element;
  for (const name of names) at = children(at, name)[0];
  return at === undefined ? undefined : text(at);
}

function expectRoot(document: XmlElement, roots: string[]): XmlElement {
  const root = roots.map((name) => children(document, name)[0]).find(Boolean);
  if (!root) throw new Error(`its root element is not ${roots.join(' or ')}`);
  return root;
}

function readTestCases(format: string, content: string): TestCase[] {
  switch (format) {
    case 'CUCUMBERJSON':
      return cucumberCases(content);
    case 'NUNITXML':
      return descendants(expectRoot(parseXml(content), ['test-results']), 'test-case').map(nunit2Case);
    case 'NUNIT3XML':
      return descendants(expectRoot(parseXml(content), ['test-run']), 'test-case').map(nunit3Case);
    case 'TESTNGXML':
      return descendants(expectRoot(parseXml(content), ['testng-results']), 'test-method')
        .filter((method) => attribute(method, 'is-config') !== 'true')
        .map(testNgCase);
    case 'VISUALSTUDIOTRX':
      return descendants(expectRoot(parseXml(content), ['TestRun']), 'UnitTestResult').map(trxCase);
    default:
      return descendants(expectRoot(parseXml(content), ['testsuites', 'testsuite']), 'testcase').map(junitCase);
  }
}

function junitCase(testCase: XmlElement): TestCase {
  const classname = attribute(testCase, 'classname');
  const name = `${classname ? `${classname}.` : ''}${attribute(testCase, 'name') ?? ''}`;
  const failure = children(testCase, 'failure')[0] ?? children(testCase, 'error')[0];
  if (failure) return { name, status: 'failed', message: attribute(failure, 'message') ?? text(failure) };
  return { name, status: children(testCase, 'skipped').length > 0 ? 'skipped' : 'passed' };
}

function nunit2Case(testCase: XmlElement): TestCase {
  const name = attribute(testCase, 'name') ?? '';
  const result = attribute(testCase, 'result');
  if (attribute(testCase, 'executed') === 'False' || ['Ignored', 'Skipped', 'NotRunnable', 'Inconclusive'].includes(result ?? '')) {
    return { name, status: 'skipped' };
  }
  if (attribute(testCase, 'success') === 'False' || result === 'Failure' || result === 'Error') {
    return { name, status: 'failed', message: textAt(testCase, 'failure', 'message') ?? '' };
  }
  return { name, status: 'passed' };
}

function nunit3Case(testCase: XmlElement): TestCase {
  const name = attribute(testCase, 'fullname') ?? attribute(testCase, 'name') ?? '';
  const result = attribute(testCase, 'result');
  if (result === 'Failed') return { name, status: 'failed', message: textAt(testCase, 'failure', 'message') ?? '' };
  if (result === 'Skipped' || result === 'Inconclusive') return { name, status: 'skipped' };
  return { name, status: 'passed' };
}

function testNgCase(method: XmlElement): TestCase {
  const name = attribute(method, 'name') ?? '';
  const status = attribute(method, 'status');
  if (status === 'FAIL') return { name, status: 'failed', message: textAt(method, 'exception', 'message') ?? '' };
  return { name, status: status === 'SKIP' ? 'skipped' : 'passed' };
}

function trxCase(result: XmlElement): TestCase {
  const name = attribute(result, 'testName') ?? '';
  const outcome = attribute(result, 'outcome');
  if (outcome === 'Passed') return { name, status: 'passed' };
  if (outcome === 'Failed' || outcome === 'Error' || outcome === 'Aborted' || outcome === 'Timeout') {
    return { name, status: 'failed', message: textAt(result, 'Output', 'ErrorInfo', 'Message') ?? '' };
  }
  return { name, status: 'skipped' };
}

interface CucumberStep {
  result?: { status?: string; error_message?: string };
}
interface CucumberScenario {
  name?: string;
  type?: string;
  steps?: CucumberStep[];
}

/** A scenario fails with a failed step, is skipped with no failed step but one not run, and passes otherwise. */
function cucumberCases(content: string): TestCase[] {
  const features: unknown = JSON.parse(content);
  if (!Array.isArray(features)) throw new Error('it is not a JSON list of features');
  return features.flatMap((feature: { name?: string; elements?: CucumberScenario[] }) =>
    (feature.elements ?? [])
      .filter((scenario) => scenario.type !== 'background')
      .map((scenario): TestCase => {
        const name = [feature.name, scenario.name].filter(Boolean).join(' ');
        const results = (scenario.steps ?? []).map((step) => step.result ?? {});
        const failed = results.find((result) => result.status === 'failed');
        if (failed) return { name, status: 'failed', message: failed.error_message ?? '' };
        return { name, status: results.some((result) => result.status !== 'passed') ? 'skipped' : 'passed' };
      }),
  );
}

function readCoverage(format: string, content: string): { covered: number; total: number } {
  const count = (value: string | number | undefined, what: string) => {
    const number = Number(value);
    if (value === undefined || !Number.isFinite(number) || number < 0) throw new Error(`it has no ${what}`);
    return number;
  };
  switch (format) {
    case 'SIMPLECOV': {
      const metrics = (JSON.parse(content) as { metrics?: { covered_lines?: number; total_lines?: number } } | null)?.metrics;
      return { covered: count(metrics?.covered_lines, 'metrics.covered_lines'), total: count(metrics?.total_lines, 'metrics.total_lines') };
    }
    case 'JACOCOXML': {
      const line = children(expectRoot(parseXml(content), ['report']), 'counter').find((counter) => attribute(counter, 'type') === 'LINE');
      const covered = count(attribute(line, 'covered'), 'LINE counter');
      return { covered, total: covered + count(attribute(line, 'missed'), 'LINE counter') };
    }
    case 'CLOVERXML': {
      const metrics = children(children(expectRoot(parseXml(content), ['coverage']), 'project')[0], 'metrics')[0];
      return { covered: count(attribute(metrics, 'coveredstatements'), 'project metrics'), total: count(attribute(metrics, 'statements'), 'project metrics') };
    }
    default: {
      const coverage = expectRoot(parseXml(content), ['coverage']);
      return { covered: count(attribute(coverage, 'lines-covered'), 'lines-covered'), total: count(attribute(coverage, 'lines-valid'), 'lines-valid') };
    }
  }
}
