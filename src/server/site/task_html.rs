//! Requester HTML made ready for the content origin: MTurk's hard-coded submit URLs and script
//! references pointed at this server, and HIT layouts filled with their parameters.
