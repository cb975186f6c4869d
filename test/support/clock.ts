/** A clock that stands still until the test moves it, starting at the real time. */
export function movableClock(start = Date.now()) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}
