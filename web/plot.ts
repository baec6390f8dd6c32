/**
 * The light-curve plot: values against frame number on a canvas, gaps at NaN.
 *
 * @module
 */

/**
 * Draw a line plot of `values` (NaN leaves a gap) with its value range and frame axis labelled.
 *
 * @param canvas The canvas to draw on (cleared first).
 * @param values One value per frame.
 * @param title The caption, e.g. the pixel.
 */
export function plotLightCurve(canvas: HTMLCanvasElement, values: readonly number[], title: string): void {
  const context = canvas.getContext("2d")!;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.font = "12px 'DejaVu Sans', sans-serif";
  context.fillStyle = "#ccc";
  context.fillText(title, 8, 14);
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) {
    context.fillText("no finite values", 8, 34);
    return;
  }
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const margin = { left: 64, right: 12, top: 24, bottom: 24 };
  const x = (i: number) =>
    margin.left + (values.length === 1 ? 0.5 : i / (values.length - 1)) *
      (width - margin.left - margin.right);
  const y = (v: number) =>
    height - margin.bottom - (v - lo) / (hi - lo) * (height - margin.top - margin.bottom);
  context.strokeStyle = "#666";
  context.strokeRect(
    margin.left,
    margin.top,
    width - margin.left - margin.right,
    height - margin.top - margin.bottom,
  );
  context.fillText(formatValue(hi), 4, margin.top + 10);
  context.fillText(formatValue(lo), 4, height - margin.bottom);
  context.fillText("0", margin.left, height - 6);
  context.fillText(`frame ${values.length - 1}`, width - margin.right - 60, height - 6);
  context.strokeStyle = "#4fc3f7";
  context.fillStyle = "#4fc3f7";
  context.lineWidth = 1.5;
  context.beginPath();
  let drawing = false;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      drawing = false;
      return;
    }
    if (drawing) context.lineTo(x(i), y(v));
    else context.moveTo(x(i), y(v));
    drawing = true;
    context.fillRect(x(i) - 1.5, y(v) - 1.5, 3, 3);
  });
  context.stroke();
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : String(+v.toFixed(2));
}
