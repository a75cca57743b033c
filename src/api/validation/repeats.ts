/**
 * repeats reports each item of list whose key an earlier item already has, through say(index,
 * index of the first item with that key).
 */
export function repeats<T>(list: T[], key: (t: T) => unknown, say: (i: number, first: number) => string): string[] {
  const errors: string[] = [];
  list.forEach((t, i) => {
    const first = list.findIndex((u) => key(u) === key(t));
    if (first < i) errors.push(say(i, first));
  });
  return errors;
}
