import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { safeText, toCsv } from '../../src/output/csv.js';

describe('CSV cells safe for spreadsheets (OWASP CSV injection)', () => {
  it('prefixes text that a spreadsheet would read as a formula with a single quote', () => {
    for (const s of ['=1+1', '=HYPERLINK("http://x","y")', '+A1', '-A1+2', '@SUM(A1)', '\tx', '\rx', '-', '+', '=']) {
      expect(safeText(s), JSON.stringify(s)).toBe(`'${s}`);
    }
  });

  it('leaves plain numbers written as text, and ordinary text, unchanged', () => {
    for (const s of ['-3.5', '+2', '-0', '1e-3', '-1.5E+10', '.5', '-.5', '-Inf', 'Inf', 'NaN', 'fedavg', "'=x", '', 'a=b', '3 dB']) {
      expect(safeText(s), JSON.stringify(s)).toBe(s);
    }
  });

  it('numbers stay numbers (never quoted), only text cells are prefixed; re-writing a read CSV changes nothing', () => {
    const rows = [{ method: '=cmd', snr_db: -3.5, note: '-3.5' }, { method: 'ok', snr_db: 2, note: '@x' }];
    const text = toCsv(rows, ['method', 'snr_db', 'note']);
    expect(text).toBe("method,snr_db,note\n'=cmd,-3.5,-3.5\nok,2,'@x\n");
    // A sweep reads its runs' CSVs back as text and writes them again: idempotent.
    const back = parse(text, { columns: true }) as Record<string, string>[];
    expect(toCsv(back, ['method', 'snr_db', 'note'])).toBe(text);
  });
});

describe('byte columns are whole numbers (pandas and R read them as integers)', () => {
  it('rounds every *_bytes / bytes_* column to the nearest byte, leaves other numbers in full precision', () => {
    const rows = [{ bytes_up: 18640346726.399998, upload_bytes: 1.5, memory_bytes: 2e9, bytes_up_ci95: 12.49, energy_j: 1.25, bytes_down: null }];
    const text = toCsv(rows, ['bytes_up', 'upload_bytes', 'memory_bytes', 'bytes_up_ci95', 'energy_j', 'bytes_down']);
    expect(text).toBe('bytes_up,upload_bytes,memory_bytes,bytes_up_ci95,energy_j,bytes_down\n18640346726,2,2000000000,12,1.25,\n');
  });

  it('names: which columns count bytes', async () => {
    const { isByteColumn } = await import('../../src/output/csv.js');
    for (const c of ['bytes_up', 'bytes_down_ci95', 'upload_bytes', 'download_bytes', 'memory_bytes']) expect(isByteColumn(c), c).toBe(true);
    for (const c of ['rate_bps', 'energy_j', 'bytesize', 'megabytes', 'method']) expect(isByteColumn(c), c).toBe(false);
  });
});
