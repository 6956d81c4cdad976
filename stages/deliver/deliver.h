/*
 * deliver.h -- the deliver stage, last in the pipeline: each reader's
 * reports to where config/delivery.xml says they go.
 *
 * For a period, the reports the registry holds (the latest PDF of each
 * kind, scope and language, unchanged since it was rendered) are matched
 * against the delivery configuration's scopes (hospital, every department,
 * a department or a group) and languages. Each folder gets a copy of each
 * of its PDFs; each e-mail address gets one message with all its reports
 * attached, handed to the sendmail program the configuration names
 * (`sendmail -oi -t`, the interface postfix, exim and msmtp provide). The
 * message is MIME: a UTF-8 text part, each PDF base64-encoded, the Chinese
 * subject and file names RFC 2047-encoded (and RFC 2231 for the file name).
 *
 * Every delivery is recorded (table delivery, migration 080): a rerun
 * delivers a report to a target only if its PDF changed since it last
 * went there, and then says in the message which delivery it replaces.
 *
 * Reads: config/delivery.xml, report_run (060_registry), dept, the PDFs.
 * Writes: the target folders, the messages, delivery (080_deliver).
 */
#ifndef HR_DELIVER_H
#define HR_DELIVER_H

#include <sqlite3.h>
#include <stdio.h>

#include "pipeline/core/error.h"

typedef struct deliver_options {
    const char *config_path; /* NULL: config/delivery.xml of the data dir */
    const char *period;      /* a month, quarter or year */
    int with_due_reports;    /* a month: also its quarter / year if it ends one */
    FILE *out;               /* one line per delivery made; NULL: none */
} deliver_options;

typedef struct deliver_summary {
    int messages, attachments; /* e-mail */
    int copies;                /* folder copies */
    int replaced;              /* of those, corrections of an earlier delivery */
    int unchanged;             /* (report, target) pairs already delivered as they are */
    int failed;                /* targets that could not be reached */
} deliver_summary;

/* Delivers what changed. Returns HR_OK, or an hr_code with err set: the
 * configuration is bad (HR_EINPUT), a report changed on disk since it was
 * rendered, or a folder or sendmail failed (HR_EFAIL) -- after delivering
 * everything else, so that one unreachable target holds up no one. */
int deliver_period(sqlite3 *db, const deliver_options *opt, deliver_summary *sum, hr_error *err);

#endif
