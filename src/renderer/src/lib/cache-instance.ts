// The one frame and field cache of the renderer (shared by the panes and the field panel).
import { api } from '../api/client';
import { DataCache } from './data-cache';

export const dataCache = new DataCache(api);
