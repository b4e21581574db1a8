// What the supervisor owes several consumers at once: a listener that throws is cut off alone, and
// each consumer's output valve is its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finish, rig, settle, spec } from './rig.js';

test('a listener that throws is unsubscribed and reported; the others and the supervisor go on', async () => {
  const r = await rig([spec('a.1'), spec('b.1')], { canDie: ['a', 'b'] });
  let calls = 0;
  r.sup.subscribe(() => {
    calls++;
    throw new Error('listener bug');
  });
  const after: string[] = [];
  r.sup.subscribe((e) => after.push(e.type));
  r.world.last('a.1').print('hello\n');
  r.world.last('b.1').print('world\n');
  assert.equal(calls, 1, 'called once, then dropped');
  assert.ok(r.messages().includes('an event listener failed and gets no more events: listener bug'), r.messages().join('\n'));
  assert.deepEqual(
    r.events.flatMap((e) => (e.type === 'output' ? [e.data.toString()] : [])),
    ['hello\n', 'world\n'],
    'a listener subscribed before it saw every event',
  );
  assert.deepEqual(after.filter((t) => t === 'output').length, 2, 'a listener subscribed after it too');
  r.world.last('a.1').exit({ reason: 'exit-code', code: 0 });
  await settle();
  assert.equal(r.sup.status().find((s) => s.name === 'a.1')?.state, 'exited', 'the supervisor still tracks its instances');
  assert.equal(await finish(r), 0);
});

test('output valves are counted per consumer: a second consumer cannot undo the first one\'s pause', async () => {
  const r = await rig([spec('a.1')]);
  const child = r.world.last('a.1');
  const printer = r.sup.outputValve();
  const store = r.sup.outputValve();
  printer.pause();
  store.resume(); // never paused: changes nothing
  assert.equal(child.paused, true);
  store.pause();
  store.resume();
  assert.equal(child.paused, true, 'still paused by the printer');
  printer.pause(); // twice is once
  printer.resume();
  assert.equal(child.paused, false, 'resumed when the last paused valve resumes');
  await finish(r);
});
