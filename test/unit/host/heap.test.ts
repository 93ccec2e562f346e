import { strict as assert } from 'node:assert';
import { getHeapStatistics } from 'node:v8';
import { tuneOwnHeap } from '../../../src/host/heap';

describe('heap sizing of long-running tunnel processes', () => {
  it('leaves the heap alone when the operator chose a growth factor in node flags or NODE_OPTIONS', () => {
    assert.equal(tuneOwnHeap(['--heap-growing-percent=50'], ''), false);
    assert.equal(tuneOwnHeap([], '--max-old-space-size=512 --heap-growing-percent=5'), false);
  });

  it('tightens the growth factor of its own process otherwise, without touching the heap limit', () => {
    const limit = getHeapStatistics().heap_size_limit;
    assert.equal(tuneOwnHeap(['--enable-source-maps'], '--max-old-space-size=4096'), true);
    assert.equal(getHeapStatistics().heap_size_limit, limit);
  });
});
