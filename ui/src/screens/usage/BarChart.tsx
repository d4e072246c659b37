import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'react';

// Only what bar charts need: Chart.js tree-shakes everything not registered here.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export interface Series {
  label: string;
  data: number[];
  color: string;
}

export interface BarChartProps {
  labels: string[];
  series: Series[];
  /** Bars grow sideways: long labels (models, conversation titles) stay readable. */
  horizontal?: boolean;
  stacked?: boolean;
  format: (value: number) => string;
  /** What the picture says, for screen readers (the canvas itself says nothing). */
  summary: string;
  theme: 'light' | 'dark';
  height: number;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function truncate(label: string, max = 22): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

export function BarChart({ labels, series, horizontal = false, stacked = false, format, summary, theme, height }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context) return;
    const text = cssVar('--text-muted', theme === 'dark' ? '#a0a0ab' : '#6b6b76');
    const grid = cssVar('--border', theme === 'dark' ? '#26262c' : '#e4e4e8');
    const font = { family: cssVar('--font-sans', 'system-ui'), size: 11 };
    const valueAxis = {
      stacked,
      beginAtZero: true,
      grid: { color: grid },
      border: { display: false },
      ticks: { color: text, font, callback: (value: string | number) => format(Number(value)) },
    };
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 3, maxBarThickness: 28 })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          [horizontal ? 'x' : 'y']: valueAxis,
          [horizontal ? 'y' : 'x']: {
            type: 'category',
            stacked,
            grid: { display: false },
            ticks: {
              color: text,
              font,
              autoSkip: true,
              maxRotation: 0,
              callback(value) {
                return truncate(this.getLabelForValue(Number(value)));
              },
            },
          },
        },
        plugins: {
          legend: { display: series.length > 1, labels: { color: text, font, boxWidth: 10, boxHeight: 10 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${format(Number(item.raw))}` } },
        },
      },
    };
    const chart = new Chart(context, config);
    return () => chart.destroy();
  }, [labels, series, horizontal, stacked, format, theme]);

  return (
    <div className="sc-chart" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={summary} />
    </div>
  );
}
