/**
 * Cross-checks between the manifests, the config loader (@cityml/runtime) and each other:
 * ports, probes, environment, drain timing, security, autoscaling, secrets and TLS files.
 */
import { CONFIG_VARIABLES, loadConfig, type Config } from '@cityml/runtime';
import type { PodSpec, Service } from 'kubernetes-types/core/v1';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Job } from 'kubernetes-types/batch/v1';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { render, type Resource } from './kustomize';
import { ADAPTER_VALUES, BASE_DIR, OVERLAYS, SERVICES, findResource, renderOverlay, secretTemplates } from './manifests';
import { environment, secretValue } from './environment';
import { readYamlFile } from './yaml-files';

const secrets = secretTemplates();

function of<T>(resources: Resource[], kind: string): T[] {
  return resources.filter((r) => r.kind === kind) as unknown as T[];
}

function podSpecs(resources: Resource[]): { name: string; pod: PodSpec }[] {
  return [
    ...of<Deployment>(resources, 'Deployment').map((d) => ({ name: d.metadata!.name!, pod: d.spec!.template.spec! })),
    ...of<Job>(resources, 'Job').map((j) => ({ name: j.metadata!.name!, pod: j.spec!.template.spec! })),
  ];
}

const adapterRules = (readYamlFile(ADAPTER_VALUES)[0] as { rules: { external: { name: { as: string } }[] } }).rules.external;

const rendered: [string, Resource[]][] = [['base', render(BASE_DIR)], ...OVERLAYS.map((o): [string, Resource[]] => [`overlays/${o}`, renderOverlay(o)])];

describe('the environment the manifests set', () => {
  it.each(rendered)(
    '%s: every variable is one the config loader reads (CONFIG_VARIABLES)',
    (_source, resources) => {
      const names = new Set<string>();
      for (const { pod } of podSpecs(resources)) {
        for (const c of pod.containers) Object.keys(environment(resources, c)).forEach((n) => names.add(n));
      }
      for (const cm of of<{ data: Record<string, string> }>(resources, 'ConfigMap')) Object.keys(cm.data).forEach((n) => names.add(n));
      expect(names.size).toBeGreaterThan(15);
      expect([...names].filter((n) => !CONFIG_VARIABLES.includes(n))).toEqual([]);
    },
  );
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const resources = renderOverlay(overlay);
  const deployments = of<Deployment>(resources, 'Deployment');
  const container = (d: Deployment) => d.spec!.template.spec!.containers[0];
  const deployment = (service: string) => findResource(resources, 'Deployment', `cityml-${service}`) as unknown as Deployment;
  const configOf = (d: Deployment): Config => loadConfig(environment(resources, container(d)));

  it('runs each service as its own Deployment with `serve <service>`, one container each', () => {
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual(SERVICES.map((s) => `cityml-${s}`).sort());
    for (const s of SERVICES) {
      expect(deployment(s).spec!.template.spec!.containers).toHaveLength(1);
      expect(container(deployment(s)).args).toEqual(['serve', s]);
    }
  });

  it.each(SERVICES)('the config loader accepts the %s environment', (s) => {
    const config = configOf(deployment(s));
    expect(config.databaseUrl).toMatch(/^postgres/);
    expect(config.healthPort).not.toBe(0);
    expect(config.healthPort).not.toBe(config.port);
  });

  it.each(SERVICES)("%s: container ports are the config's ports, and its headless Service exposes exactly them", (s) => {
    const d = deployment(s);
    const config = configOf(d);
    const expected: Record<string, number> = { grpc: config.port, 'grpc-health': config.healthPort, metrics: config.metricsPort };
    if (s === 'inference') expected.http = config.httpPort;
    const ports = container(d).ports ?? [];
    expect(Object.fromEntries(ports.map((p) => [p.name, p.containerPort]))).toEqual(expected);
    const service = findResource(resources, 'Service', `cityml-${s}`) as unknown as Service;
    expect(service.spec!.clusterIP).toBe('None');
    expect(service.spec!.selector).toEqual(d.spec!.selector.matchLabels);
    expect(d.spec!.template.metadata!.labels).toMatchObject(d.spec!.selector.matchLabels!);
    expect(service.spec!.ports!.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol }))).toEqual(
      ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name, protocol: p.protocol ?? 'TCP' })),
    );
    expect(d.spec!.template.metadata!.annotations!['prometheus.io/port']).toBe(String(config.metricsPort));
  });

  it.each(SERVICES)('%s: startup, readiness and liveness probes are gRPC on the plaintext health port', (s) => {
    const c = container(deployment(s));
    const { healthPort } = configOf(deployment(s));
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe).toBeDefined();
      expect(probe!.grpc).toEqual({ port: healthPort });
      expect(Object.keys(probe!).filter((k) => ['httpGet', 'tcpSocket', 'exec'].includes(k))).toEqual([]);
    }
  });

  it.each(SERVICES)('%s: the termination grace period covers the preStop sleep and the drain deadline', (s) => {
    const d = deployment(s);
    const sleep = container(d).lifecycle!.preStop!.sleep!.seconds;
    expect(sleep).toBeGreaterThanOrEqual(5);
    const grace = d.spec!.template.spec!.terminationGracePeriodSeconds!;
    expect(grace).toBeGreaterThanOrEqual(sleep + configOf(d).shutdownTimeoutMs / 1000 + 5);
    if (s === 'training') expect(grace).toBeGreaterThanOrEqual(120);
  });

  it('every pod is non-root, read-only, without privileges or capabilities, with /tmp on an emptyDir', () => {
    const specs = podSpecs(resources);
    expect(specs).toHaveLength(SERVICES.length + 1);
    for (const { name, pod } of specs) {
      expect([name, pod.securityContext]).toMatchObject([name, { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } }]);
      expect([name, pod.automountServiceAccountToken, pod.enableServiceLinks]).toEqual([name, false, false]);
      for (const c of pod.containers) {
        expect([name, c.securityContext]).toEqual([
          name,
          { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        ]);
        const tmp = c.volumeMounts!.find((m) => m.mountPath === '/tmp')!;
        expect([name, pod.volumes!.find((v) => v.name === tmp.name)!.emptyDir]).toEqual([name, expect.any(Object)]);
        expect([name, Object.keys(c.resources?.requests ?? {}).sort(), Object.keys(c.resources?.limits ?? {}).sort()]).toEqual([
          name,
          ['cpu', 'memory'],
          ['cpu', 'memory'],
        ]);
        expect(c.resources!.limits!.memory).toBe(c.resources!.requests!.memory);
      }
    }
  });

  it('every pod runs the same tagged release image', () => {
    const images = new Set(podSpecs(resources).flatMap(({ pod }) => pod.containers.map((c) => c.image)));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^[^:@]+(:[\w][\w.-]*|@sha256:[0-9a-f]+)$/);
    expect([...images][0]).not.toMatch(/:latest$/);
  });

  it.each(SERVICES)('%s: a PodDisruptionBudget selects exactly its pods', (s) => {
    const pdb = findResource(resources, 'PodDisruptionBudget', `cityml-${s}`) as unknown as PodDisruptionBudget;
    expect(pdb.spec!.selector).toEqual(deployment(s).spec!.selector);
    expect(pdb.spec!.maxUnavailable ?? pdb.spec!.minAvailable).toBeDefined();
  });

  it("service addresses are dns:/// targets of the headless Services on each service's gRPC port", () => {
    for (const s of SERVICES) {
      for (const caller of SERVICES) {
        expect(configOf(deployment(caller)).addresses[s]).toBe(`dns:///cityml-${s}:${configOf(deployment(s)).port}`);
      }
    }
  });

  it('inference scales on CPU and training on the queue-depth metric, with CITYML_TRAINING_CONCURRENCY jobs per pod', () => {
    const hpas = of<HorizontalPodAutoscaler>(resources, 'HorizontalPodAutoscaler');
    const hpa = (s: string) => hpas.find((h) => h.spec!.scaleTargetRef.name === `cityml-${s}`);
    expect(hpas.map((h) => h.spec!.scaleTargetRef)).toEqual(
      expect.arrayContaining([
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cityml-inference' },
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cityml-training' },
      ]),
    );
    expect(hpa('inference')!.spec!.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } },
    ]);
    const [metric] = hpa('training')!.spec!.metrics!;
    expect(metric.type).toBe('External');
    expect(adapterRules.map((r) => r.name.as)).toContain(metric.external!.metric.name);
    expect(metric.external!.metric.name).toBe('cityml_training_queue_depth');
    expect(metric.external!.target).toEqual({ type: 'AverageValue', averageValue: String(configOf(deployment('training')).trainingConcurrency) });
    for (const h of hpas) expect(h.spec!.minReplicas!).toBeLessThanOrEqual(h.spec!.maxReplicas);
    for (const s of SERVICES) {
      // An HPA owns the replica count; a Deployment without one sets it.
      expect([s, deployment(s).spec!.replicas === undefined]).toEqual([s, hpa(s) !== undefined]);
    }
  });

  it('every Secret a pod reads has a template with that key, and nothing real is in the templates', () => {
    const refs = podSpecs(resources).flatMap(({ pod }) => [
      ...pod.containers.flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []))),
    ]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(() => secretValue(ref.name!, ref.key)).not.toThrow();
    for (const s of secrets) {
      for (const value of Object.values((s as unknown as { stringData: Record<string, string> }).stringData)) expect(value).toMatch(/REPLACE/);
      expect(s).not.toHaveProperty('data');
    }
  });

  it('TLS files, when configured, come from the cityml-tls Secret mounted read-only in every service', () => {
    for (const s of SERVICES) {
      const d = deployment(s);
      const { tls } = configOf(d);
      if (overlay === 'prod') expect(tls).toMatchObject({ clientAuth: true, caFile: expect.any(String) });
      if (!tls) continue;
      const pod = d.spec!.template.spec!;
      for (const file of [tls.certFile, tls.keyFile, tls.caFile!]) {
        const mount = container(d).volumeMounts!.find((m) => file.startsWith(`${m.mountPath}/`))!;
        expect(mount.readOnly).toBe(true);
        const volume = pod.volumes!.find((v) => v.name === mount.name)!;
        expect(volume.secret!.secretName).toBe('cityml-tls');
        expect(() => secretValue('cityml-tls', file.slice(mount.mountPath.length + 1))).not.toThrow();
      }
    }
  });

  it('the migrate Job runs `migrate` once, with the database URL', () => {
    const job = findResource(resources, 'Job', 'cityml-migrate') as unknown as Job;
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].args).toEqual(['migrate']);
    expect(loadConfig(environment(resources, pod.containers[0])).databaseUrl).toMatch(/^postgres/);
  });
});
