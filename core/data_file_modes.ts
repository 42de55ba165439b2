/**
 * Permissions of everything the engine writes under its data directory. Journals, snapshots and the
 * principal store hold every balance and key hash: nobody but the engine's own user may read them.
 * (The process umask can only remove bits, so these are what files and directories get.)
 */
/** Every data file (segments, snapshots, epoch, principals, and their temporaries): owner read/write. */
export const DATA_FILE_MODE = 0o600;
/** Every directory the engine creates (the data directory, journal/, snapshots/): owner only. */
export const DATA_DIR_MODE = 0o700;
