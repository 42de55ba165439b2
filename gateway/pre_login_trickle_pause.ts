/**
 * When the pre-login door stops reading a trickle (pre_login_door_process.ts). A connection whose first
 * frame is still incomplete after a read, TRICKLE_PAUSE_AFTER_MS or more after it opened, is not read
 * again for TRICKLE_PAUSE_MS: a slowloris trickling a byte a second then costs the door a read every
 * two seconds, not one per byte (a third of the door's CPU under the hostile bench's attack went to
 * those reads, docs/performance.md). A Login sent in one write arrives whole and is never paused; one
 * split across writes that follow each other within TRICKLE_PAUSE_AFTER_MS of the connect is not
 * either; later, its rest waits up to a pause. At its login deadline a paused connection is read once
 * more before it is judged: what it sent in time counts.
 */
export const TRICKLE_PAUSE_MS = 2000;
export const TRICKLE_PAUSE_AFTER_MS = 500;
