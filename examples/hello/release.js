// The release phase: runs once, to completion, before web and worker start.
console.log(`release: preparing ${process.env.GREETING ? 'config ok' : 'no GREETING set'}`);
