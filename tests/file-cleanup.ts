import { afterAll } from "vitest";
import { endFileRuns } from "./helpers/run-cli.js";

// A setup file runs before every test file, also in a worker shared by many files (where a helper module's
// own afterAll would be registered for the first file only): what a file's CLI runs left is ended with it.
afterAll(endFileRuns);
