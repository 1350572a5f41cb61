/**
 * zod's settings for one CLI command, loaded before the app. A command parses a handful of inputs
 * once; zod's fast path compiles a parser per object schema on its first parse (`new Function`),
 * which costs more than it saves for one parse (about 5 ms of `portolan sockets`). The app and
 * `serve`, which parse every call for hours, keep it.
 */
import { config } from 'zod';

config({ jitless: true });
