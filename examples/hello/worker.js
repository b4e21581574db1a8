// A background worker: does a unit of work on a timer and logs to stdout (factor XI).
const intervalMs = Number(process.env.WORK_INTERVAL_MS ?? 2000);
let jobs = 0;

const timer = setInterval(() => {
  jobs += 1;
  console.log(`processed job ${jobs}`);
}, intervalMs);

process.on('SIGTERM', () => {
  clearInterval(timer);
  console.log(`SIGTERM received after ${jobs} jobs, exiting`);
  process.exit(0);
});
