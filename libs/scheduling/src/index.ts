// The rules that span two domain libraries (plan, offer, spec), each declared once: see README.md.
export {};
