/** One line of the doctor's report. */
export interface Check {
	ok: boolean;
	/** Works, but worth a look (shown with "!"; not counted as a problem). */
	warning?: boolean;
	what: string;
	detail: string;
}
