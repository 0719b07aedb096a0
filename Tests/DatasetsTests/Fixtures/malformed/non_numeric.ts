@problemName NonNumeric
@univariate true
@classLabel true a b
@data
1,2,3:a
1,x2,3:b
