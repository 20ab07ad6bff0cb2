package hardenedfunction

// VPCAccessReference exposes the reference-policy table to the tests.
var VPCAccessReference = vpcAccessReference
