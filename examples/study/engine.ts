/**
 * airtune's event engine on its own (`airtune/engine`): a SimPy-style M/D/1 queue. Jobs arrive
 * every 1 s and 2 s alternately and each takes 1.2 s on one server.
 */
import { Environment, type ProcessGenerator } from 'airtune/engine';

const env = new Environment();
let busyUntil = 0;
const waits: number[] = [];

function* job(arrival: number): ProcessGenerator<void> {
  const start = Math.max(arrival, busyUntil);
  busyUntil = start + 1.2;
  waits.push(start - arrival);
  yield env.timeout(busyUntil - env.now);
}

env.process(function* (): ProcessGenerator<void> {
  for (let k = 0; k < 10; k++) {
    env.process(job(env.now));
    yield env.timeout(k % 2 === 0 ? 1 : 2);
  }
});
env.run();
console.log(`10 jobs done at t = ${env.now.toFixed(1)} s; mean wait ${(waits.reduce((a, b) => a + b, 0) / waits.length).toFixed(2)} s`);
