const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const state = globalThis.__CITYML_PG__;
  if (!state) return;
  await state.pg.stop();
  rmSync(state.dir, { recursive: true, force: true });
};
