// The in-memory "Postgres": tables keyed by primary key (Map keeps insertion
// order) plus the FK cascades of docs/dokploy.md §7.
import type { ApplicationRow, DeploymentRow, DomainRow, EnvironmentRow, MountRow, PortRow, ProjectRow } from "./rows.ts";
import type { VolumeBackupRow } from "./backups.ts";

export class Db {
  projects = new Map<string, ProjectRow>();
  environments = new Map<string, EnvironmentRow>();
  applications = new Map<string, ApplicationRow>();
  domains = new Map<string, DomainRow>();
  mounts = new Map<string, MountRow>();
  ports = new Map<string, PortRow>();
  deployments = new Map<string, DeploymentRow>();
  volumeBackups = new Map<string, VolumeBackupRow>();
  /** Postgres serial behind domain.uniqueConfigKey; failed inserts consume values too. */
  private domainSerial = 0;

  nextDomainKey(): number {
    this.domainSerial += 1;
    return this.domainSerial;
  }

  clear(): void {
    this.projects.clear();
    this.environments.clear();
    this.applications.clear();
    this.domains.clear();
    this.mounts.clear();
    this.ports.clear();
    this.deployments.clear();
    this.volumeBackups.clear();
    this.domainSerial = 0;
  }

  environmentsOf(projectId: string): EnvironmentRow[] {
    return [...this.environments.values()].filter((e) => e.projectId === projectId);
  }

  applicationsOf(environmentId: string): ApplicationRow[] {
    return [...this.applications.values()].filter((a) => a.environmentId === environmentId);
  }

  domainsOf(applicationId: string): DomainRow[] {
    return [...this.domains.values()].filter((d) => d.applicationId === applicationId);
  }

  mountsOf(applicationId: string): MountRow[] {
    return [...this.mounts.values()].filter((m) => m.applicationId === applicationId);
  }

  portsOf(applicationId: string): PortRow[] {
    return [...this.ports.values()].filter((p) => p.applicationId === applicationId);
  }

  /** Insertion order, i.e. oldest first. */
  deploymentsOf(applicationId: string): DeploymentRow[] {
    return [...this.deployments.values()].filter((d) => d.applicationId === applicationId);
  }

  projectOfApplication(app: ApplicationRow): ProjectRow | undefined {
    const env = this.environments.get(app.environmentId);
    return env ? this.projects.get(env.projectId) : undefined;
  }

  /** DELETE FROM volume_backup: its run rows (deployment.volumeBackupId) cascade. */
  deleteVolumeBackup(volumeBackupId: string): void {
    this.volumeBackups.delete(volumeBackupId);
    for (const [id, d] of this.deployments) if (d.volumeBackupId === volumeBackupId) this.deployments.delete(id);
  }

  /** DELETE FROM application: ON DELETE CASCADE to domains, mounts, ports, deployments, volume backups. */
  deleteApplication(applicationId: string): { app: ApplicationRow; deploymentIds: string[] } | undefined {
    const app = this.applications.get(applicationId);
    if (!app) return undefined;
    const deploymentIds: string[] = [];
    this.applications.delete(applicationId);
    for (const [id, d] of this.domains) if (d.applicationId === applicationId) this.domains.delete(id);
    for (const [id, m] of this.mounts) if (m.applicationId === applicationId) this.mounts.delete(id);
    for (const [id, p] of this.ports) if (p.applicationId === applicationId) this.ports.delete(id);
    for (const [id, b] of this.volumeBackups) if (b.applicationId === applicationId) this.deleteVolumeBackup(id);
    for (const [id, d] of this.deployments) {
      if (d.applicationId !== applicationId) continue;
      this.deployments.delete(id);
      deploymentIds.push(id);
    }
    return { app, deploymentIds };
  }

  /** DELETE FROM project: cascades environment -> application -> everything below. */
  deleteProject(projectId: string): { project: ProjectRow; applications: ApplicationRow[]; deploymentIds: string[] } | undefined {
    const project = this.projects.get(projectId);
    if (!project) return undefined;
    const applications: ApplicationRow[] = [];
    const deploymentIds: string[] = [];
    for (const env of this.environmentsOf(projectId)) {
      for (const app of this.applicationsOf(env.environmentId)) {
        const removed = this.deleteApplication(app.applicationId);
        if (!removed) continue;
        applications.push(removed.app);
        deploymentIds.push(...removed.deploymentIds);
      }
      this.environments.delete(env.environmentId);
    }
    this.projects.delete(projectId);
    return { project, applications, deploymentIds };
  }
}
