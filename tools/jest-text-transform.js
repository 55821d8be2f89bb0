// Lets tests import .sql migration files as strings, the way esbuild's text loader does.
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
