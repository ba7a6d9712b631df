/**
 * Temporal's ScheduleSpec semantics: {@link io.kairos.worker.schedules.spec.ScheduleSpecs#canonicalize}
 * on CreateSchedule/UpdateSchedule (store its result), {@link io.kairos.worker.schedules.spec.ScheduleSpecs#clean}
 * on what DescribeSchedule/ListSchedules return, and {@link io.kairos.worker.schedules.spec.CompiledSpec} to
 * compute action times. Temporal seeds jitter with {@code namespaceId + "-" + scheduleId}; using the same
 * seed gives the same jittered times as Temporal.
 */
package io.kairos.worker.schedules.spec;
