import type { Play, ServiceSpec } from '../../lib/config/types.js';

/** The services of a play without templates; a templated play here is a mistake in the test. */
export function fixedServices(play: Play | undefined): ServiceSpec[] {
  if (play?.services.kind !== 'fixed') throw new Error(`play ${play?.name ?? '(none)'} has no fixed services`);
  return play.services.services;
}
