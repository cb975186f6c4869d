/**
 * Who gets which Docker volumes. Dokploy cannot delete a volume, and a volume name is global
 * on the Docker host, so a name's volumes outlive its stack. A new owner of a name must never
 * mount the files of a previous one: each owner of a name gets a volume generation of their
 * own, recorded with the stack. The first owner has generation 0, the strategy's plain
 * `<prefix><key>-<name>`; every later owner a generation above all used before, i.e. volume
 * names never used; an owner who shows an earlier management token of the name gets that
 * stack's generation, so their own volumes, back.
 */

/** One earlier stack of the name: its token hash and whose volumes it mounted. */
export interface VolumeLineage {
  tokenHash: string;
  generation: number;
  /** The name its volumes carry when not the stack's (a claimed pooled stack's pool name). */
  volumeName: string | null;
  /** Its signed-in owner (AUTH_MODE=oidc), if any. */
  owner: { issuer: string; subject: string } | null;
}

/** The volumes a stack mounts: a generation of the name they carry (null: the stack's own). */
export interface Volumes {
  generation: number;
  volumeName: string | null;
}

/**
 * `history` is the name's stacks, newest first; `owns` tells whether the caller owned one (its
 * token, or signed in): then that stack's volumes, else a generation above all used before.
 */
export function volumesFor(history: readonly VolumeLineage[], owns: (earlier: VolumeLineage) => boolean): Volumes {
  const own = history.find((h) => owns(h));
  if (own) return { generation: own.generation, volumeName: own.volumeName };
  return { generation: history.length === 0 ? 0 : Math.max(...history.map((h) => h.generation)) + 1, volumeName: null };
}

/**
 * Generation 0 is the strategy's name; later ones end in `_g<N>`. Stack names and mount keys
 * never contain `_`, so no other stack's plain volume can carry that name (Docker allows `_`).
 */
export function volumeName(prefix: string, key: string, stackName: string, generation: number): string {
  const base = `${prefix}${key}-${stackName}`;
  return generation === 0 ? base : `${base}_g${generation}`;
}
