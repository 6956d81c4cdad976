/*
 * version.h -- the program's version, one definition for the CLI, the
 * registry's fingerprints and the PDFs' metadata.
 */
#ifndef HR_VERSION_H
#define HR_VERSION_H

#define HOSPREPORT_VERSION "0.1.0"

#endif
