import type { ToolSpec } from '../src/tool.js';
import getRevenueWidget from './get_revenue_widget.js';
import getSale from './get_sale.js';
import awaitMarketReport from './await_market_report.js';
import getSalesAggregation from './get_sales_aggregation.js';
import listPosifloraOrders from './list_posiflora_orders.js';
import listSales from './list_sales.js';
import revenueOverview from './revenue_overview.js';
import checkSources from './check_sources.js';

/** Every MCP tool of the server, in the order clients list them. */
export const TOOLS: readonly ToolSpec[] = [getRevenueWidget, getSale, listSales, getSalesAggregation, awaitMarketReport, listPosifloraOrders, revenueOverview, checkSources];
