/**
 * Durations as the reference daemon writes them (`poll_timeout: 30s`): the
 * same grammar as a command's `response_timeout`, so one parser serves both.
 */
export { DURATION_PATTERN, parseResponseTimeout as parseDuration } from '../engine/deadline';
