/**
 * How much the first read of a file takes: enough for the headers of typical files in one request. A
 * leaf module, so that the command line can send that read before it loads the reader
 * (src/source/range_get.ts).
 *
 * @module
 */

/** Default size of the first read, and of the read of the header of the HDU a caller walks to: 64 KiB. */
export const DEFAULT_READ_AHEAD: number = 64 * 1024;
