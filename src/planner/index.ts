// Request planning (pure: no I/O, no clock): request -> units -> windows -> request count -> ETA.
export { planWindows, sessionBaseBars, windowCapacity, windowDays, type RequestWindow } from './windows.js';
export { expectedBars } from './bars.js';
export { planBackfill, PLAN_STRATEGIES, type HeldLookup, type Plan, type PlanRequest, type PlanStrategy, type UnitPlan } from './plan.js';
export { planUnitFetch, planWindowsOver, type DayRun, type UnitFetchPlan } from './runs.js';
export { chooseStrategy, groupedIneligible, StrategyError } from './strategy.js';
