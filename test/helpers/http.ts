/** A response body as loose JSON: tests assert its shape field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (res: Response): Promise<any> => res.json();
