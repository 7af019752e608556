/**
 * The OTLP receiver as a process of its own (collector-process.ts starts it): listens on the port
 * given as the first argument and reports each request, once answered, as a JSON line on stdout.
 */
import { startOtlpReceiver } from './otlp-receiver.js';

export interface CollectorReport {
  readonly at: number;
  readonly answer: string;
  readonly points: number;
  readonly authorization: string;
}

const receiver = await startOtlpReceiver(Number(process.argv[2]));
let reported = 0;
// The receiver keeps its requests in an array: report what is new every few milliseconds.
setInterval(() => {
  for (const r of receiver.requests.slice(reported)) {
    const report: CollectorReport = { at: r.at, answer: r.answer, points: r.points.length, authorization: String(r.headers.authorization ?? '') };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
  reported = receiver.requests.length;
}, 20);
process.stdout.write('LISTENING\n');
