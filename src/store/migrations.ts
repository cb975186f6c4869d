/**
 * Schema changes, applied in order and recorded in `PRAGMA user_version`. Append only:
 * a released migration is never edited, so every data directory converges on one schema.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: stacks, deployments, their events, and the audit log.
  `
  CREATE TABLE stacks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    url             TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    project_id      TEXT,
    environment_id  TEXT,
    application_id  TEXT,
    app_name        TEXT,
    domain_id       TEXT,
    mount_ids       TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    ready_at        TEXT,
    deleted_at      TEXT
  );
  -- One live stack per name; failed and deleted rows stay for history and quarantine.
  CREATE UNIQUE INDEX stacks_live_name ON stacks(name)
    WHERE status IN ('deploying', 'ready', 'deleting', 'cleanup_failed');
  CREATE INDEX stacks_name ON stacks(name, id);

  CREATE TABLE deployments (
    id              TEXT PRIMARY KEY,
    stack_id        INTEGER NOT NULL REFERENCES stacks(id),
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    step            TEXT,
    error_code      TEXT,
    error_message   TEXT,
    leftovers       TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    finished_at     TEXT
  );
  CREATE INDEX deployments_stack ON deployments(stack_id, created_at);
  CREATE INDEX deployments_running ON deployments(status) WHERE status = 'running';

  CREATE TABLE deployment_events (
    deployment_id   TEXT NOT NULL REFERENCES deployments(id),
    seq             INTEGER NOT NULL,
    type            TEXT NOT NULL,
    data            TEXT NOT NULL,
    PRIMARY KEY (deployment_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE audit (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT NOT NULL,
    action          TEXT NOT NULL,
    stack_name      TEXT,
    deployment_id   TEXT,
    client          TEXT,
    actor           TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    detail          TEXT
  );
  `,
  // 2: idempotent deploys. The stored response holds the stack's secrets, so it is sealed
  // with a key derived from the Idempotency-Key itself, which only the client knows.
  `
  CREATE TABLE idempotency (
    key_hash        TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    deployment_id   TEXT NOT NULL,
    sealed          TEXT NOT NULL,
    created_at      TEXT NOT NULL
  );
  CREATE INDEX idempotency_created ON idempotency(created_at);
  `,
  // 3: the name check's quarantine lookup, on every request: only deleted rows are indexed.
  `
  CREATE INDEX stacks_quarantine ON stacks(name, deleted_at) WHERE status = 'deleted';
  `,
  // 4: /health's database check writes this one row: only a write proves the disk takes writes.
  `
  CREATE TABLE health_probe (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    at              TEXT NOT NULL
  );
  `,
  // 5: the volume generation of each stack (src/stacks/owners/volume-generations.ts): a new owner of a name
  // never mounts an earlier owner's volumes. Existing stacks used the plain names: 0.
  `
  ALTER TABLE stacks ADD COLUMN volume_generation INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: the owner's operations. Whether a ready stack runs or was stopped (and why), and for
  // an operation that redeploys, Dokploy's newest deployment before it ("" for none), so
  // that a restarted portal knows which deployment row and which Swarm task are the operation's.
  `
  ALTER TABLE stacks ADD COLUMN run_state TEXT NOT NULL DEFAULT 'running';
  ALTER TABLE stacks ADD COLUMN started_at TEXT;
  ALTER TABLE stacks ADD COLUMN stopped_at TEXT;
  ALTER TABLE stacks ADD COLUMN stop_reason TEXT;
  ALTER TABLE deployments ADD COLUMN dokploy_baseline TEXT;
  `,
  // 7: what a failed deploy's rollback removed and kept, and the tail of Dokploy's deploy
  // log (scrubbed of secrets), for the page to explain the failure.
  `
  CREATE TABLE deployment_reports (
    deployment_id   TEXT PRIMARY KEY REFERENCES deployments(id),
    cleanup         TEXT,
    log_tail        TEXT,
    updated_at      TEXT NOT NULL
  );
  -- The page's typical deploy time: the newest successful deploys.
  CREATE INDEX deployments_succeeded_deploys ON deployments(finished_at) WHERE kind = 'deploy' AND status = 'succeeded';
  `,
  // 8: sign-in (AUTH_MODE=oidc). Sessions and login attempts are keyed by the SHA-256 of
  // their cookie value, so the database alone lets nobody in. A stack records its owner.
  `
  CREATE TABLE sessions (
    id_hash         TEXT PRIMARY KEY,
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    person          TEXT NOT NULL,
    id_token        TEXT,
    created_at      INTEGER NOT NULL,
    seen_at         INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX sessions_seen ON sessions(seen_at);

  CREATE TABLE login_attempts (
    id_hash         TEXT PRIMARY KEY,
    state           TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    code_verifier   TEXT NOT NULL,
    return_to       TEXT NOT NULL,
    created_at      INTEGER NOT NULL
  ) WITHOUT ROWID;

  ALTER TABLE stacks ADD COLUMN owner_issuer TEXT;
  ALTER TABLE stacks ADD COLUMN owner_subject TEXT;
  ALTER TABLE stacks ADD COLUMN owner_name TEXT;
  ALTER TABLE stacks ADD COLUMN owner_email TEXT;
  CREATE INDEX stacks_owner ON stacks(owner_subject, owner_issuer) WHERE owner_subject IS NOT NULL;

  ALTER TABLE audit ADD COLUMN person TEXT;
  `,
  // 9: image rollouts (src/stacks/rollout/). Each stack's image as the portal last set it
  // (pending: saved in Dokploy while the stack was stopped, applied at its next start), the
  // image an operation deploys (so a restarted portal deploys the same one), and the rollouts
  // with one row per stack they cover.
  `
  CREATE TABLE stack_images (
    stack_id        INTEGER PRIMARY KEY REFERENCES stacks(id),
    image           TEXT NOT NULL,
    pending         INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT NOT NULL
  );
  CREATE TABLE deployment_images (
    deployment_id   TEXT PRIMARY KEY REFERENCES deployments(id),
    image           TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE rollouts (
    id              TEXT PRIMARY KEY,
    image           TEXT NOT NULL,
    batch_size      INTEGER NOT NULL,
    max_failures    INTEGER NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    finished_at     TEXT
  ) WITHOUT ROWID;
  CREATE TABLE rollout_stacks (
    rollout_id      TEXT NOT NULL REFERENCES rollouts(id),
    stack_id        INTEGER NOT NULL REFERENCES stacks(id),
    position        INTEGER NOT NULL,
    batch           INTEGER,
    state           TEXT NOT NULL,
    phase           TEXT,
    previous_image  TEXT,
    deployment_id   TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (rollout_id, stack_id)
  ) WITHOUT ROWID;
  CREATE INDEX rollout_stacks_active ON rollout_stacks(stack_id) WHERE state = 'active';
  `,
  // 10: the Swarm node a stack is pinned to (its volumes live there), and the Dokploy volume
  // backups of its volumes with what their last run did.
  `
  CREATE TABLE stack_placements (
    stack_id        INTEGER PRIMARY KEY REFERENCES stacks(id),
    node_id         TEXT NOT NULL,
    hostname        TEXT NOT NULL,
    pinned_at       TEXT NOT NULL
  );
  CREATE INDEX stack_placements_node ON stack_placements(node_id);

  CREATE TABLE stack_backups (
    volume_backup_id TEXT PRIMARY KEY,
    stack_id        INTEGER NOT NULL REFERENCES stacks(id),
    volume_name     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_run_at     TEXT,
    last_status     TEXT,
    last_success_at TEXT
  );
  CREATE INDEX stack_backups_stack ON stack_backups(stack_id);
  `,
  // 11: STACK_SSO: one-time tickets and per-stack passes, keyed by the SHA-256 of their value.
  `
  CREATE TABLE stack_passes (
    id_hash         TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    host            TEXT NOT NULL,
    stack_name      TEXT NOT NULL,
    session_hash    TEXT NOT NULL,
    return_to       TEXT NOT NULL,
    expires_at      INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX stack_passes_session ON stack_passes(session_hash);
  CREATE INDEX stack_passes_expiry ON stack_passes(expires_at);
  `,
  // 12: history that does not slow the present, and retention (src/store/retention.ts).
  `
  -- A stack's running operation, found among the running rows only: deployments_stack led to
  -- every deployment the stack ever had, each read to test its status.
  CREATE INDEX deployments_running_stack ON deployments(stack_id, created_at) WHERE status = 'running';
  -- Set when retention let a deleted stack's history go; the row stays for its volume lineage.
  ALTER TABLE stacks ADD COLUMN pruned_at TEXT;
  -- The live stacks in id order (the lists, the idle pass, capacity, the reconciler) without
  -- reading the deleted ones, and the deleted and failed ones counted from an index alone.
  CREATE INDEX stacks_live ON stacks(id) WHERE status IN ('deploying', 'ready', 'deleting', 'cleanup_failed');
  CREATE INDEX stacks_gone ON stacks(status) WHERE status IN ('deleted', 'failed');
  -- Gone ones whose history retention has not let go yet (the reconciler still knows their applications).
  CREATE INDEX stacks_recently_gone ON stacks(id) WHERE status IN ('deleted', 'failed') AND pruned_at IS NULL;
  -- Set when retention removed a finished deployment's events: the seq its done event had.
  ALTER TABLE deployments ADD COLUMN pruned_seq INTEGER;
  -- The finished deployments whose events retention has yet to let go, oldest first: the
  -- rows leave it once pruned, so it holds about HISTORY_RETENTION's worth, not the history.
  CREATE INDEX deployments_unpruned ON deployments(finished_at) WHERE pruned_seq IS NULL;
  -- A waiting deploy wrote "number N in line" each time the line moved. Of a finished one's,
  -- only the first and the last (next in line) are kept, as the queue now writes them.
  DELETE FROM deployment_events WHERE (deployment_id, seq) IN (
    SELECT deployment_id, seq FROM (
      SELECT e.deployment_id, e.seq,
        row_number() OVER (PARTITION BY e.deployment_id ORDER BY e.seq) AS from_first,
        row_number() OVER (PARTITION BY e.deployment_id ORDER BY e.seq DESC) AS from_last
      FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id
      WHERE d.status != 'running' AND e.type = 'status' AND json_extract(e.data, '$.status') = 'waiting'
    ) WHERE from_first > 1 AND from_last > 1
  );
  `,
  // 13: the volumes of owners who are gone (src/stacks/upkeep/volume-reaper.ts).
  `
  -- When the portal let a gone stack's volumes go: removed through Dokploy, or found out of its
  -- reach (on a node Dokploy's own docker cannot touch) and reported.
  ALTER TABLE stacks ADD COLUMN volumes_removed_at TEXT;
  -- The gone stacks whose volumes are still kept, oldest first.
  CREATE INDEX stacks_volumes_kept ON stacks(deleted_at) WHERE status IN ('deleted', 'failed') AND volumes_removed_at IS NULL;
  `,
  // 14: a rollout checks that OpenCode on the new image still lists a stack's sessions: the ids
  // it listed before the upgrade (JSON), kept so a restarted portal checks the same ones.
  `
  ALTER TABLE rollout_stacks ADD COLUMN sessions_before TEXT;
  `,
  // 15: the warm pool (src/stacks/pool/): stacks made ahead with no owner, claimed by a deploy.
  `
  -- 'warming' while it is made, 'ready' once its OpenCode answered; NULL for every owned stack
  -- (a claim clears it in the same UPDATE that gives the stack its owner and name).
  ALTER TABLE stacks ADD COLUMN pool_state TEXT;
  -- The name its volumes carry when it is not the stack's own: a claimed stack keeps the volumes
  -- made under its pool name. NULL: the stack's name (src/stacks/model/resource-plan.ts).
  ALTER TABLE stacks ADD COLUMN volume_name TEXT;
  CREATE INDEX stacks_pooled ON stacks(id) WHERE pool_state IS NOT NULL AND status IN ('deploying', 'ready', 'deleting', 'cleanup_failed');
  -- A deploy that took a pooled stack (its steps are the claim's; "usually about a minute" leaves it out).
  ALTER TABLE deployments ADD COLUMN from_pool INTEGER NOT NULL DEFAULT 0;
  `,
  // 16: idle stops the owner sees coming (src/stacks/upkeep/idle-forecast.ts).
  `
  -- The owner keeps the stack running until then, whatever its activity (IDLE_KEEP_AWAKE_MAX at most).
  ALTER TABLE stacks ADD COLUMN keep_awake_until TEXT;
  -- When the owner was last warned of a coming idle stop: one warning per idle spell, and the
  -- stop comes no sooner than IDLE_WARNING_BEFORE after it.
  ALTER TABLE stacks ADD COLUMN idle_warned_at TEXT;
  `,
  // 17: stacks shared by their owners (src/stacks/owners/shares.ts).
  `
  CREATE TABLE stack_shares (
    id         INTEGER PRIMARY KEY,
    stack_id   INTEGER NOT NULL REFERENCES stacks(id),
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'group')),
    -- An e-mail address in lower case, or a group without Keycloak's leading '/'.
    value      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('user', 'manager')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (stack_id, kind, value)
  );
  -- "Your stacks" and the gate look a person up by address or group.
  CREATE INDEX stack_shares_by_value ON stack_shares(kind, value);
  `,
  // 18: restore in one click (src/stacks/backups/restore.ts): the backup file a restore brings
  // back, kept with its deployment so that a restarted portal restores the same one.
  `
  ALTER TABLE deployments ADD COLUMN restore_file TEXT;
  `,
  // 19: the admin view's audit log, filtered by stack or by action over a year of entries.
  `
  CREATE INDEX audit_by_stack ON audit(stack_name, id);
  CREATE INDEX audit_by_action ON audit(action, id);
  `,
];
