package org.onetrip.server.hapi;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.util.OperationOutcomeUtil;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What HAPI cannot read in a request (a search parameter's value such as {@code birthdate=not-a-date}, a body its
 * parser refuses) is the client's mistake, and is logged as one WARN line, as HAPI logs other client errors.
 *
 * <p>Why: HAPI answers such a request 400, as it should, but its exception handler logs the parser's
 * {@link DataFormatException} at ERROR with its whole stack trace, because the exception is not one of its answers yet
 * when it writes the log. A client's typing mistake then looks like a server failure to whoever watches the log, and
 * anyone can write such entries at will. The exception is made the 400 it will be, with the OperationOutcome HAPI's
 * handler would make, before that handler sees it: the client's answer is the same (status, the parser's message as
 * the outcome's text, a browser's page).
 */
@Interceptor
public final class ClientMistakes {

	private static final Logger log = LoggerFactory.getLogger(ClientMistakes.class);

	@Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
	public BaseServerResponseException unreadable(RequestDetails request, Throwable exception) {
		if (!(exception instanceof DataFormatException unreadable)) {
			return null; // HAPI's own answer, and the other hooks', for everything else
		}
		log.warn("FHIR request not readable, answered 400: {}", unreadable.getMessage());
		// With its OperationOutcome, as HAPI's handler makes it: the browser's page is made from that.
		IBaseOperationOutcome outcome = OperationOutcomeUtil.newInstance(request.getFhirContext());
		OperationOutcomeUtil.addIssue(request.getFhirContext(), outcome, "error", unreadable.getMessage(), null, "processing");
		InvalidRequestException answer = new InvalidRequestException(unreadable.getMessage(), unreadable);
		answer.setOperationOutcome(outcome);
		return answer;
	}
}
