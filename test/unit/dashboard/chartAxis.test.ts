import { strict as assert } from 'node:assert';
import { MIN_AXIS_SIZE, timeLabel, timeTickSpace, valueAxisSize } from '../../../webview/model/chartAxis';

/** A monospaced measure: 7 px a character, as an 11 px UI font is about. */
const mono = (text: string) => text.length * 7;

describe('chart axes', () => {
  it('makes the latency axis as wide as its longest label, so "1000 ms" shows whole', () => {
    const size = valueAxisSize(['0 ms', '250 ms', '500 ms', '1000 ms'], mono);
    assert.ok(size >= mono('1000 ms') + 6, `${size} px leaves no room for "1000 ms"`);
    assert.ok(size > valueAxisSize(['0 ms', '500 ms'], mono), 'a longer label widens the axis');
  });

  it('keeps a narrow axis at its minimum width when the labels are short or missing', () => {
    assert.equal(valueAxisSize(['1', '2'], mono), MIN_AXIS_SIZE);
    assert.equal(valueAxisSize(null, mono), MIN_AXIS_SIZE);
  });

  it('spaces time ticks wider than a label in whatever font measures them', () => {
    const wide = (text: string) => text.length * 12;
    assert.ok(timeTickSpace(mono) > mono('00:00:00'));
    assert.ok(timeTickSpace(wide) > wide('00:00:00'), 'a larger (High Contrast) font spaces the ticks further apart');
  });

  it('labels time ticks with the local time of day only', () => {
    const t = new Date(2026, 11, 2, 9, 5, 7).getTime() / 1000;
    assert.equal(timeLabel(t), '09:05:07');
  });
});
