/** A response body as loose JSON: tests assert its shape field by field. */
 
export const json = (res: Response): Promise<any> => res.json();
