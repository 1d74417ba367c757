export { renderHtmlReport } from './html.js';
export { renderHealthChart, type TimeFrame } from './svg-chart.js';
export { renderSwimlane } from './swimlane.js';
export { renderJunit } from './junit.js';
export { renderBasicPostmortem, renderDrillPostmortem, renderDrillAppendix, type PostmortemRenderer } from './postmortem.js';
export { renderSummaryTable } from './summary.js';
export { writeDrillReport, writeJunit, reportDirName, type DrillReportFiles } from './write.js';
