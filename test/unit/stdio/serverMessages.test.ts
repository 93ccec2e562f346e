import { strict as assert } from 'node:assert';
import { Logger } from '../../../src/engine/log';
import { ServerMessageBox, type Obj, type ServerMessageDrop, type ServerMessageRoute } from '../../../src/engine/mcp/serverMessages';

function box(limit = 3) {
  const routed: ServerMessageRoute[] = [];
  const dropped: { reason: ServerMessageDrop; message: Obj }[] = [];
  const b = new ServerMessageBox({ routed: (r) => routed.push(r), dropped: (reason, message) => dropped.push({ reason, message }) }, Logger.create('error', 'test'), 'main', limit);
  b.claim();
  return { b, routed, dropped };
}

const note = (n: number): Obj => ({ jsonrpc: '2.0', method: 'notifications/message', params: { data: n } });
const request = (id: number): Obj => ({ jsonrpc: '2.0', id, method: 'roots/list' });

describe('server messages outside a call', () => {
  it('holds them with nobody to take them and hands them, in order, to the session’s next request', () => {
    const { b, routed } = box();
    b.push(note(1));
    b.push(note(2));
    const got: Obj[] = [];
    const detach = b.attachCall((m) => got.push(m));
    assert.deepEqual(got, [note(1), note(2)]);
    b.push(note(3));
    assert.deepEqual(got.at(-1), note(3), 'a message arriving while the request runs goes on its stream');
    detach();
    b.push(note(4));
    assert.equal(got.length, 3, 'a finished request gets nothing more');
    assert.equal(b.heldCount, 1);
    assert.deepEqual(routed, ['held', 'held', 'call', 'call', 'call', 'held']);
  });

  it('prefers an open session stream to a request in flight', () => {
    const { b } = box();
    const call: Obj[] = [];
    const stream: Obj[] = [];
    b.attachCall((m) => call.push(m));
    b.attachStream((m) => stream.push(m));
    b.push(note(1));
    assert.deepEqual(stream, [note(1)]);
    assert.deepEqual(call, []);
  });

  it('sends a notification to every open stream but a server request to one only, so it is answered once', () => {
    const { b } = box();
    const first: Obj[] = [];
    const second: Obj[] = [];
    b.attachStream((m) => first.push(m));
    b.attachStream((m) => second.push(m));
    b.push(note(1));
    b.push(request(7));
    assert.deepEqual(first, [note(1)]);
    assert.deepEqual(second, [note(1), request(7)]);
  });

  it('drops the oldest held message past the limit and reports it, a request included so it can be refused', () => {
    const { b, dropped } = box(2);
    b.push(request(1));
    b.push(note(2));
    b.push(note(3));
    assert.deepEqual(dropped, [{ reason: 'held_limit', message: request(1) }]);
    assert.equal(b.heldCount, 2);
  });

  it('delivers nothing before a client opened a session (the startup probe’s messages are nobody’s)', () => {
    const routed: ServerMessageRoute[] = [];
    const dropped: ServerMessageDrop[] = [];
    const b = new ServerMessageBox({ routed: (r) => routed.push(r), dropped: (reason) => dropped.push(reason) }, Logger.create('error', 'test'), 'main');
    const call: Obj[] = [];
    const detach = b.attachCall((m) => call.push(m));
    b.push(note(1));
    detach();
    assert.deepEqual(call, [], 'not even to a call in flight from a client that never initialized');
    b.claim();
    b.push(note(2));
    assert.deepEqual(dropped, ['no_client']);
    assert.equal(b.heldCount, 1);
  });

  it('reports what is still held when the session closes', () => {
    const { b, dropped } = box();
    b.push(note(1));
    b.close();
    assert.deepEqual(dropped.map((d) => d.reason), ['session_closed']);
    assert.equal(b.heldCount, 0);
  });
});
