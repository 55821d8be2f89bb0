// Validates Kubernetes objects with the kubernetes-models classes (their .validate() checks
// types, enums, formats and required fields against the Kubernetes OpenAPI schemas).
// kubernetes-models is ESM only, which jest's CommonJS runtime cannot load, so models.ts runs
// this file in a plain `node` child process.
// stdin: JSON [{ label, object }]   stdout: JSON [{ label, error }] (error null when valid)
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const results = [];
for (const { label, object } of items) {
  const { apiVersion, kind } = object;
  let Model;
  try {
    Model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    results.push({ label, error: `kubernetes-models has no model for ${apiVersion} ${kind}` });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({ label, error: null });
  } catch (e) {
    results.push({ label, error: e instanceof Error ? e.message : String(e) });
  }
}
process.stdout.write(JSON.stringify(results));
