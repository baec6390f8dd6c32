import type { Column } from "../src/fits/table_layout.ts";

/**
 * The header of an ECSV 1.0 file (astropy's text table format) for table columns: each column's
 * name, datatype and unit; array and variable-length columns are JSON text with a `subtype`, as the
 * ECSV standard describes. Rows follow as CSV (comma-delimited) under a row of names.
 *
 * @param columns The selected columns.
 * @param keys Their names as the output spells them (unique).
 * @returns The `# ` header lines, ending in a newline.
 */
export function ecsvHeader(columns: readonly Column[], keys: readonly string[]): string {
  const lines = ["# %ECSV 1.0", "# ---", "# delimiter: ','", "# datatype:"];
  columns.forEach((column, i) => {
    const element = column.dtype === "bit"
      ? "bool"
      : column.dtype.startsWith("complex")
      ? "float64"
      : column.dtype;
    const fields = [`name: ${JSON.stringify(keys[i])}`];
    const variable = column.elementType !== null;
    const cellShape = column.dtype === "bit" ? [column.repeat] : column.shape;
    if (column.dtype === "string" && (variable || cellShape.length === 0)) {
      fields.push("datatype: string");
    } else if (variable || cellShape.length > 0 || column.dtype.startsWith("complex")) {
      const dims = variable ? ["null"] : cellShape.map(String);
      if (column.dtype.startsWith("complex")) dims.push("2");
      fields.push("datatype: string", `subtype: ${JSON.stringify(`${element}[${dims.join(",")}]`)}`);
    } else {
      fields.push(`datatype: ${element}`);
    }
    if (column.tunit) fields.push(`unit: ${JSON.stringify(column.tunit)}`);
    lines.push(`# - {${fields.join(", ")}}`);
  });
  lines.push("# schema: astropy-2.0");
  return lines.join("\n") + "\n";
}
