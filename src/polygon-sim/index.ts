export { startPolygonSim, type PolygonSim, type StartSimOptions } from './start.js';
export { serveSim, type SimServer } from './server.js';
export { SharedSimState, type SimStats } from './shared.js';
export { type SimOptions, type SimFaults, type SimServeOptions, simOptionsFromEnv, SimOptionsError, mergeOptions } from './options.js';
export { type SimTickers, type SimTickerConfig, type SimBadBar } from './tickers.js';
export { expectedBars, expectedBarCount } from './expected.js';
export { BarSource, type RangeQuery, type PageQuery, type PageSlice } from './source.js';
export { MarketCalendar, marketOf, type Market, type DaySession } from './calendar.js';
export { simSplitFor, tickerProfile, type TickerProfile } from './profile.js';
