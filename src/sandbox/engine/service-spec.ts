import type { ApplicationRow, PortRow } from "../rows.ts";
import type { ServiceResources } from "../stacks.ts";

/**
 * The Swarm service spec Dokploy v0.30.2 builds for a docker-source application
 * (mechanizeDockerContainer with generateConfigContainer, generateVolumeMounts and
 * resolveServiceNetworks): the application's *Swarm columns as they are, Dokploy's defaults
 * where they are null, every named volume mounted, the application's published ports, and
 * the service on dokploy-network.
 */
export function serviceSpec(
  app: ApplicationRow,
  env: Record<string, string>,
  mounts: { volumeName: string; mountPath: string }[],
  resources: ServiceResources,
  ports: PortRow[] = [],
): Record<string, unknown> {
  const column = <T>(key: string) => (app as unknown as Record<string, T | null | undefined>)[key] ?? null;
  const defined = (o: Record<string, number | undefined>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const labels = column<Record<string, string>>("labelsSwarm");
  const healthCheck = column<Record<string, unknown>>("healthCheckSwarm");
  const restartPolicy = column<Record<string, unknown>>("restartPolicySwarm");
  return {
    Name: app.appName,
    TaskTemplate: {
      ContainerSpec: {
        ...(healthCheck ? { HealthCheck: healthCheck } : {}),
        Image: app.dockerImage,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Mounts: mounts.map((m) => ({ Type: "volume", Source: m.volumeName, Target: m.mountPath })),
        ...(labels ? { Labels: labels } : {}),
      },
      Networks: [{ Target: "dokploy-network" }],
      ...(restartPolicy ? { RestartPolicy: restartPolicy } : {}),
      // With no placement of its own, an application with mounts stays on a manager.
      Placement: column("placementSwarm") ?? { Constraints: mounts.length > 0 ? ["node.role==manager"] : [] },
      Resources: { Limits: defined(resources.Limits), Reservations: defined(resources.Reservations) },
    },
    Mode: column("modeSwarm") ?? { Replicated: { Replicas: app.replicas } },
    RollbackConfig: column("rollbackConfigSwarm") ?? { Parallelism: 1, Order: "start-first" },
    UpdateConfig: column("updateConfigSwarm") ?? { Parallelism: 1, Order: "start-first", FailureAction: "rollback" },
    EndpointSpec: {
      Ports: ports.map((p) => ({ PublishMode: p.publishMode, Protocol: p.protocol, TargetPort: p.targetPort, PublishedPort: p.publishedPort })),
    },
  };
}
