/**
 * A strict reader of Prometheus text exposition (format 0.0.4) for tests: families with their HELP,
 * TYPE and samples. Throws on a line it does not understand, so a malformed exposition fails a test.
 */
export interface ExpositionSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ExpositionFamily {
  readonly name: string;
  help: string | null;
  type: string | null;
  readonly samples: ExpositionSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g;
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Families by name, in order of appearance. A sample whose family was not declared gets a family without HELP/TYPE. */
export function parseExposition(text: string): Map<string, ExpositionFamily> {
  const families = new Map<string, ExpositionFamily>();
  const family = (name: string): ExpositionFamily => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, help: null, type: null, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (help !== null) {
      family(help[1]).help = help[2];
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      family(type[1]).type = type[2];
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (sample[3] !== undefined && sample[3] !== '') {
      let consumed = 0;
      for (const m of sample[3].matchAll(LABEL)) {
        labels[m[1]] = m[2];
        consumed += m[0].length;
      }
      if (consumed !== sample[3].length) throw new Error(`malformed labels: ${JSON.stringify(line)}`);
    }
    const value = sample[4] === '+Inf' ? Infinity : sample[4] === '-Inf' ? -Infinity : Number(sample[4]);
    if (Number.isNaN(value) && sample[4].toLowerCase() !== 'nan') throw new Error(`malformed value: ${JSON.stringify(line)}`);
    family(familyOf(sample[1], families)).samples.push({ name: sample[1], labels, value });
  }
  return families;
}

/** `x_bucket` / `x_sum` / `x_count` belong to histogram or summary `x` when that family was declared. */
function familyOf(sampleName: string, families: Map<string, ExpositionFamily>): string {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const declared = families.get(base);
    if (declared !== undefined && (declared.type === 'histogram' || declared.type === 'summary')) return base;
  }
  return sampleName;
}
