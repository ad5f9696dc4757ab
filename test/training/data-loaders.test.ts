import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataError,
  EOT,
  VOCAB_SIZE,
  decode,
  encode,
  encodeDocument,
  extractFinal,
  gsm8kStepLabel,
  loadGsm8kFile,
  loadYahooFile,
  parseGsm8kJsonl,
  parseYahooCsv,
  YAHOO_TOPICS,
} from '../../src/training/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'airtune-data-'));

describe('byte tokenizer', () => {
  it('round-trips ASCII and non-ASCII text through UTF-8 bytes', () => {
    for (const text of ['Question: 2+2?\nAnswer: 4', 'naïve café — 東京 🚀 ∑x²', '']) {
      const bytes = encode(text);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(decode(bytes)).toBe(text);
      expect(decode(Int32Array.from(bytes))).toBe(text);
    }
    // 'é' is two UTF-8 bytes, '🚀' four: one token per byte.
    expect(Array.from(encode('é🚀'))).toEqual([0xc3, 0xa9, 0xf0, 0x9f, 0x9a, 0x80]);
    expect(VOCAB_SIZE).toBe(256);
  });

  it('reserves EOT: documents lose NULs, decode can stop at EOT', () => {
    expect(Array.from(encodeDocument('a\u0000b'))).toEqual([0x61, 0x62]);
    expect(decode([0x68, 0x69, EOT, 0x78], { stopAtEot: true })).toBe('hi');
    expect(() => decode([300])).toThrow(/not a byte/);
    // A window cut inside a multi-byte character decodes with U+FFFD instead of throwing.
    expect(decode(encode('é').subarray(0, 1))).toBe('\uFFFD');
  });
});

describe('GSM8K loader', () => {
  const good = [
    JSON.stringify({ question: 'Tom has 3 apples and buys 4. How many?', answer: 'He has 3+4 = <<3+4=7>>7.\n#### 7' }),
    '',
    JSON.stringify({ question: 'Q2 é', answer: 'Step <<2*3=6>>6\nStep two\n#### 1,000' }),
  ].join('\n');

  it('parses records with the final answer after ####, skipping blank lines', () => {
    const f = join(dir, 'small.jsonl');
    writeFileSync(f, good + '\n');
    const recs = loadGsm8kFile(f);
    expect(recs).toHaveLength(2);
    expect(recs[0]).toEqual({
      question: 'Tom has 3 apples and buys 4. How many?',
      answer: 'He has 3+4 = <<3+4=7>>7.\n#### 7',
      final: '7',
    });
    expect(recs[1]!.final).toBe('1,000');
    expect(loadGsm8kFile(f, { maxRecords: 1 })).toHaveLength(1);
    expect(extractFinal('no final here')).toBeUndefined();
    expect(gsm8kStepLabel(recs[0]!)).toBe(0); // one step -> clamped to the "<=2 steps" label
    expect(gsm8kStepLabel(recs[1]!)).toBe(0);
  });

  it('names the file, line and problem in errors', () => {
    const f = 'bad.jsonl';
    const line2 = (l: string) => `${JSON.stringify({ question: 'q', answer: 'a\n#### 1' })}\n${l}\n`;
    expect(() => parseGsm8kJsonl(line2('{"question": "q", "answer": '), f)).toThrow(/^bad\.jsonl:2: bad JSON/);
    expect(() => parseGsm8kJsonl(line2('{"question": "q"}'), f)).toThrow('bad.jsonl:2: missing field "answer"');
    expect(() => parseGsm8kJsonl(line2('{"question": 5, "answer": "#### 1"}'), f)).toThrow(
      'bad.jsonl:2: field "question" must be a string, found number',
    );
    expect(() => parseGsm8kJsonl(line2('{"question": "q", "answer": "no final"}'), f)).toThrow(/bad\.jsonl:2: .*####/);
    expect(() => parseGsm8kJsonl(line2('[1, 2]'), f)).toThrow(/bad\.jsonl:2: expected a JSON object/);
    expect(() => parseGsm8kJsonl('{}', f)).toThrow(DataError);
    expect(() => loadGsm8kFile(join(dir, 'nope.jsonl'))).toThrow(/nope\.jsonl: cannot read the GSM8K file \(ENOENT\)/);
  });

  const real = resolve(process.cwd(), '../shared/data/gsm8k');
  it.skipIf(!existsSync(join(real, 'train.jsonl')) || !existsSync(join(real, 'test.jsonl')))(
    'loads the real GSM8K: 7,473 train and 1,319 test records, all fields present',
    () => {
      const train = loadGsm8kFile(join(real, 'train.jsonl'));
      const test = loadGsm8kFile(join(real, 'test.jsonl'));
      expect(train).toHaveLength(7473);
      expect(test).toHaveLength(1319);
      for (const r of [...train, ...test]) {
        expect(r.question.length).toBeGreaterThan(0);
        expect(r.answer).toContain('####');
        // Every GSM8K final answer is a number (some with thousands separators).
        expect(r.final).toMatch(/^-?[\d,]+(\.\d+)?$/);
      }
      expect(train[0]!.final).toBe('72');
      expect(loadGsm8kFile(join(real, 'train.jsonl'), { maxRecords: 100 })).toHaveLength(100);
    },
  );
});

describe('Yahoo Answers CSV loader', () => {
  // Quotes doubled, commas and real newlines inside fields, the dataset's literal \n escapes.
  const csv =
    '"5","Why is my ""laptop"" slow?","It has 4GB, and\nWindows 10","Add RAM, then reinstall.\\nGood luck"\n' +
    '"6","Who won, in 2010?","","Spain"\n' +
    '"10","Is voting ""mandatory""?","In Australia\n\nyes","Yes, it is.""Quoted"""\n';

  it('parses quoted fields with commas, doubled quotes and newlines', () => {
    const f = join(dir, 'yahoo.csv');
    writeFileSync(f, csv);
    const recs = loadYahooFile(f);
    expect(recs).toEqual([
      { topic: 4, title: 'Why is my "laptop" slow?', content: 'It has 4GB, and\nWindows 10', answer: 'Add RAM, then reinstall.\nGood luck' },
      { topic: 5, title: 'Who won, in 2010?', content: '', answer: 'Spain' },
      { topic: 9, title: 'Is voting "mandatory"?', content: 'In Australia\n\nyes', answer: 'Yes, it is."Quoted"' },
    ]);
    expect(YAHOO_TOPICS[recs[0]!.topic]).toBe('Computers & Internet');
    expect(loadYahooFile(f, { maxRecords: 2 })).toHaveLength(2);
    expect(parseYahooCsv(csv, 'x.csv', { unescapeNewlines: false })[0]!.answer).toBe('Add RAM, then reinstall.\\nGood luck');
  });

  it('reads large files in chunks cut at record boundaries', () => {
    // ~ 6 MB: more than one 4 MB chunk, with embedded newlines and quotes near chunk edges.
    const row = (i: number) => `"${(i % 10) + 1}","title ${i}","line one, ""q""\nline two ${'x'.repeat(i % 97)}","answer ${i}"\n`;
    const rows: string[] = [];
    for (let i = 0; i < 60_000; i++) rows.push(row(i));
    const f = join(dir, 'big.csv');
    writeFileSync(f, rows.join(''));
    const recs = loadYahooFile(f);
    expect(recs).toHaveLength(60_000);
    expect(recs[59_999]).toEqual({ topic: 9, title: 'title 59999', content: `line one, "q"\nline two ${'x'.repeat(59_999 % 97)}`, answer: 'answer 59999' });
    expect(recs.every((r, i) => r.title === `title ${i}`)).toBe(true);
    expect(loadYahooFile(f, { maxRecords: 12_345 })).toHaveLength(12_345);
  });

  it('names the file, row, line and column in errors', () => {
    expect(() => parseYahooCsv('"1","a","b","c"\n"11","t","c","a"\n', 'y.csv')).toThrow(
      'y.csv: row 2 (line 2), column 1 (class): expected an integer 1..10, found "11"',
    );
    expect(() => parseYahooCsv('"1","a\nb","b","c"\n"x","t","c","a"\n', 'y.csv')).toThrow(/y\.csv: row 2 \(line 3\), column 1/);
    expect(() => parseYahooCsv('"1","a","b","c"\n"2","t","c"\n', 'y.csv')).toThrow(
      'y.csv: row 2 (line 2): expected 4 columns (class, title, content, answer), found 3',
    );
    expect(() => parseYahooCsv('"1","a","b","c"\n"2","t"x,"c","a"\n', 'y.csv')).toThrow(/^y\.csv:2: malformed CSV/);
    expect(() => loadYahooFile(join(dir, 'missing.csv'))).toThrow(/missing\.csv: cannot read the Yahoo Answers file \(ENOENT\)/);
  });
});
