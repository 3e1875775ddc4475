// ECharts 6, tree-shaken: the chart types and components the workbench uses, always with the canvas renderer
// (CSP-friendly: tooltips render as rich text inside the canvas, never as HTML with inline styles).
import { use, init, type ECharts } from 'echarts/core';
import { HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent, GridComponent, LegendComponent, TitleComponent, ToolboxComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, ScatterChart, HeatmapChart, GridComponent, TooltipComponent, DataZoomComponent, LegendComponent,
  ToolboxComponent, VisualMapComponent, TitleComponent, CanvasRenderer]);

export type { ECharts };

export function createChart(el: HTMLElement): ECharts {
  return init(el, null, { renderer: 'canvas' });
}
