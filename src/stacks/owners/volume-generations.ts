/**
 * Who gets which Docker volumes. Dokploy cannot delete a volume, and a volume name is global
 * on the Docker host, so a name's volumes outlive its stack. A new owner of a name must never
 * mount the files of a previous one: each owner of a name gets a volume generation of their
 * own, recorded with the stack. The first owner has generation 0, the strategy's plain
 * `<prefix><key>-<name>`; every later owner a generation above all used before, i.e. volume
 * names never used; an owner who shows an earlier management token of the name gets that
 * stack's generation, so their own volumes, back.
 */

/** One earlier stack of the name: its token hash and its volume generation. */
export interface VolumeLineage {
  tokenHash: string;
  generation: number;
  /** Its signed-in owner (AUTH_MODE=oidc), if any. */
  owner: { issuer: string; subject: string } | null;
}

/** `history` is the name's stacks, newest first; `owns` tells whether the caller owned one (its token, or signed in). */
export function volumeGenerationFor(history: readonly VolumeLineage[], owns: (earlier: VolumeLineage) => boolean): number {
  const own = history.find((h) => owns(h));
  if (own) return own.generation;
  return history.length === 0 ? 0 : Math.max(...history.map((h) => h.generation)) + 1;
}

/**
 * Generation 0 is the strategy's name; later ones end in `_g<N>`. Stack names and mount keys
 * never contain `_`, so no other stack's plain volume can carry that name (Docker allows `_`).
 */
export function volumeName(prefix: string, key: string, stackName: string, generation: number): string {
  const base = `${prefix}${key}-${stackName}`;
  return generation === 0 ? base : `${base}_g${generation}`;
}
