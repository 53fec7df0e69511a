/** What `make` throws, or `undefined` when it returns. */
export const thrownBy = (make: () => unknown): unknown => {
  try {
    make();
    return undefined;
  } catch (e) {
    return e;
  }
};
