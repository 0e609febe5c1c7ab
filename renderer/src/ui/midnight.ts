// Text that says "today" by leaving the day out ("23:59:01") is wrong the minute after midnight:
// this calls back just after each local midnight, with one timer a day and none in between.

export function afterEachMidnight(then: () => void): void {
  const next = new Date();
  next.setHours(24, 0, 1, 0);
  setTimeout(() => {
    then();
    afterEachMidnight(then);
  }, next.getTime() - Date.now());
}
