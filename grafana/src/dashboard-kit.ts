// Small builders for Grafana dashboard JSON (schemaVersion 39): panels laid out on a 24-column
// grid, Prometheus targets through the `datasource` template variable, and query variables.
export type Target = { expr: string; legendFormat: string };
export type Panel = Record<string, unknown> & {
  type: string;
  title: string;
  targets?: (Target & Record<string, unknown>)[];
};
export type Variable = { name: string; label: string; query: string; multi?: boolean };

const DS = { type: 'prometheus', uid: '${datasource}' };

export function q(expr: string, legendFormat = ''): Target {
  return { expr, legendFormat };
}

type PanelOpts = {
  unit?: string;
  min?: number;
  max?: number;
  w?: number;
  h?: number;
  stack?: boolean;
  description?: string;
};

function targets(ts: Target[]) {
  return ts.map((t, i) => ({
    datasource: DS,
    refId: String.fromCharCode(65 + i),
    expr: t.expr,
    legendFormat: t.legendFormat,
    range: true,
  }));
}

export function timeseries(title: string, ts: Target[], o: PanelOpts = {}): Panel {
  return {
    type: 'timeseries',
    title,
    ...(o.description ? { description: o.description } : {}),
    datasource: DS,
    gridPos: { w: o.w ?? 12, h: o.h ?? 8, x: 0, y: 0 },
    fieldConfig: {
      defaults: {
        unit: o.unit ?? 'short',
        ...(o.min !== undefined ? { min: o.min } : {}),
        ...(o.max !== undefined ? { max: o.max } : {}),
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: o.stack ? 30 : 10,
          stacking: { mode: o.stack ? 'normal' : 'none' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
      tooltip: { mode: 'multi' },
    },
    targets: targets(ts),
  };
}

export function stat(title: string, ts: Target[], o: PanelOpts = {}): Panel {
  return {
    type: 'stat',
    title,
    ...(o.description ? { description: o.description } : {}),
    datasource: DS,
    gridPos: { w: o.w ?? 6, h: o.h ?? 4, x: 0, y: 0 },
    fieldConfig: {
      defaults: {
        unit: o.unit ?? 'short',
        ...(o.min !== undefined ? { min: o.min } : {}),
        ...(o.max !== undefined ? { max: o.max } : {}),
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'area',
    },
    targets: targets(ts),
  };
}

export function row(title: string): Panel {
  return { type: 'row', title, collapsed: false, gridPos: { w: 24, h: 1, x: 0, y: 0 }, panels: [] };
}

/** Flows panels left to right, wrapping at 24 columns; rows take a full line. Ids are assigned in order. */
function layout(panels: Panel[]): Panel[] {
  let x = 0;
  let y = 0;
  let lineH = 0;
  return panels.map((p, i) => {
    const g = p.gridPos as { w: number; h: number; x: number; y: number };
    if (p.type === 'row' || x + g.w > 24) {
      y += lineH;
      x = 0;
      lineH = 0;
    }
    const placed = { ...p, id: i + 1, gridPos: { ...g, x, y } };
    if (p.type === 'row') {
      y += 1;
    } else {
      x += g.w;
      lineH = Math.max(lineH, g.h);
    }
    return placed;
  });
}

function variable(v: Variable) {
  return {
    type: 'query',
    name: v.name,
    label: v.label,
    datasource: DS,
    query: { query: v.query, refId: `${v.name}-query` },
    definition: v.query,
    refresh: 2,
    includeAll: true,
    allValue: '.*',
    multi: v.multi ?? true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  };
}

export function dashboard(uid: string, title: string, description: string, vars: Variable[], panels: Panel[]) {
  return {
    uid,
    title,
    description,
    tags: ['toolgate'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    links: [
      {
        type: 'dashboards',
        tags: ['toolgate'],
        asDropdown: true,
        title: 'Toolgate',
        includeVars: true,
        keepTime: true,
      },
    ],
    annotations: { list: [] },
    templating: {
      list: [
        { type: 'datasource', name: 'datasource', label: 'Prometheus', query: 'prometheus', current: {}, hide: 0 },
        ...vars.map(variable),
      ],
    },
    panels: layout(panels),
  };
}
