/* SPDX-License-Identifier: MIT */
/*
 * Exit statuses shared by every cpo program, as design.md fixes them.
 * Scripts test these numbers, so they never change meaning.
 */
#ifndef CPO_STATUS_H
#define CPO_STATUS_H

enum {
	CPO_EXIT_OK = 0,	/* every record processed */
	CPO_EXIT_REJECTED = 1,	/* some records rejected; good ones written */
	CPO_EXIT_USAGE = 2,	/* usage or configuration error */
	CPO_EXIT_IO = 3		/* fatal I/O error or unavailable service */
};

#endif
