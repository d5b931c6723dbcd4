export { createHaloConnector, type HaloConnectorDeps } from './connector.js';
